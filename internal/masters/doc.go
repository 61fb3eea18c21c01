// Package masters provides the district's default masters (reference data:
// departments and their escalation ladders, grievance categories, areas,
// officers, routing rules and holidays), their validation, and the two file
// formats in which an administrator exports, edits and imports them.
//
// Contract: Import parses strictly and then runs Validate; it returns either
// complete, valid, indexed masters or nil and a *RowError naming the table,
// the row (and for CSV the line), the column and the reason of the first
// problem. It never returns a partial result. Export writes what it is
// given. Export followed by Import gives back equal masters in both formats.
//
// # Tables
//
// The masters are seven tables. Codes are 1 to 40 characters of lowercase
// letters, digits and hyphens, starting with a letter or digit, and never
// change once complaints refer to them. Every name is given in Hindi
// (name_hi) and English (name_en), at most 200 characters, and must not start
// with =, +, - or @ (a spreadsheet would take it for a formula).
//
//	district     name_hi, name_en — exactly one row
//	departments  code, name_hi, name_en, level1_hi, level1_en, … level6_hi, level6_en
//	             the escalation ladder, level 1 (first to receive a complaint)
//	             first; 1 to 6 levels, no gaps
//	categories   code, department, name_hi, name_en, resolution_days (1-365
//	             working days at level 1), require_photo (the action-taken report
//	             must carry a photo), active (true/false)
//	areas        code, kind (tehsil, block, zone, ward), parent (code or empty),
//	             name_hi, name_en — citizens choose the leaves: areas that no
//	             other area names as parent
//	officers     code, department, level, designation_hi, designation_en, name,
//	             mobile (10 digits, first 6-9), language (hi or en), jurisdiction
//	             (area codes of any kind, separated by spaces; empty = whole
//	             district), superior (code of an officer of the same department
//	             at a higher level, or empty), active
//	rules        category, area, department — complaints of the category in
//	             the area go to the department instead of the category's own;
//	             area empty means every area. The area must be a leaf: a rule
//	             for the category and area wins over a rule for the category
//	             alone, which wins over the category's department.
//	holidays     date (YYYY-MM-DD), name_hi, name_en — Sundays are off anyway
//
// # JSON
//
// One object with the keys district (an object), departments, categories,
// areas, officers, rules and holidays (arrays of objects), whose fields are
// the columns above, except that a department's ladder is "levels": an array
// of {"hi": …, "en": …} and an officer's jurisdiction is an array of codes.
// Unknown keys are errors. Row numbers in messages count the objects of an
// array from 1.
//
// # CSV
//
// One UTF-8 file (written with a byte-order mark, so that Excel shows Hindi
// correctly; the mark is optional on import) holding all tables. The first
// column of every row names its table. A row whose first cell is "#" and a
// table name ("#categories") is that table's header: it lists the columns
// after the first, in any order, and must come before the table's rows.
// Every column is required except departments' level2_* to level6_*. Each
// later row whose first cell is the table name ("categories") is a data row.
// Blank rows are skipped; cells are trimmed of spaces; cells beyond a
// header's last column must be empty (spreadsheets pad rows); a row shorter
// than its header is an error. Booleans are true or false in any case.
// Row numbers in messages count a table's data rows from 1; the line is
// the line in the file.
//
//	#categories,code,department,name_hi,name_en,resolution_days,require_photo,active
//	categories,mun-garbage,mun,कूड़ा नहीं उठाया गया,Garbage not collected,3,true,true
//
// In Excel, open the file with Data > From Text/CSV (UTF-8, comma) and keep
// the date column as text, or Excel rewrites dates in the local style; save
// as "CSV UTF-8". LibreOffice keeps both as they are when the column types
// are left as Text.
//
// # The default masters
//
// Default returns a district modelled on Lucknow (Uttar Pradesh): ten
// departments with three-level ladders, 45 categories, the five tehsils
// with their eight development blocks, the municipal corporation's eight
// zones with three wards each (an illustrative choice of well-known
// localities, not the official ward list), and routing rules that send
// potholes in city wards to the municipal corporation (PWD in villages),
// and garbage and streetlights in blocks to Panchayati Raj and encroachment
// there to Revenue. Because rules match leaf areas only, such a rule is
// listed once per ward or block.
//
// Officers are placeholder posts, one per department and level, coded
// <department>-l<level> (mun-l1, mun-l2, …): their name is empty (screens
// show the designation until the administrator enters the person), their
// mobile numbers 9000000001 upwards are fake, their jurisdiction is the
// whole district and each reports to the post one level up.
//
// Holidays: 2026 and 2027 dates of Uttar Pradesh's fixed-date gazetted
// holidays (Republic Day, Ambedkar Jayanti, Independence Day, Gandhi
// Jayanti, Christmas) and Good Friday (from the date of Easter). Holidays
// on the lunar calendar (Holi, Id-ul-Fitr, Id-ul-Zuha, Raksha Bandhan,
// Janmashtami, Dussehra, Diwali, Guru Nanak Jayanti and others) are left
// out on purpose: their dates are notified each year by the state
// government, and the administrator adds them from that notification.
package masters
