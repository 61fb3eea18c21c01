package notify

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"nivaran/internal/grievance"
)

// An administrator edits a template with each slot written as the variable
// it carries ("{#number#}", "{#track#}"): the text as registered on DLT has
// only "{#var#}", which says nothing about what goes where. EditTemplate
// turns the named text back into the registered text and the slots' order.

// namedSlot is a slot written with its variable's name.
var namedSlot = regexp.MustCompile(`\{#\s*([^{}#]*?)\s*#\}`)

// maxEditBytes bounds an edited text long before the parts check would.
const maxEditBytes = 2000

// NamedText returns the text of t with each slot written as the variable
// it carries, as the administrator edits it.
func NamedText(t Template) string {
	vars := t.vars()
	i := 0
	return namedSlot.ReplaceAllStringFunc(t.Text, func(s string) string {
		if s != Slot || i >= len(vars) {
			return s
		}
		i++
		return "{#" + vars[i-1] + "#}"
	})
}

// AllowedVars returns the variables the slots of an event's template for
// audience may carry, in their default order.
func AllowedVars(event, audience string) []string { return slices.Clone(slots[key(event, audience)]) }

// Measure returns how long t is with every slot full (the worst case that
// NewCatalogue checks): UTF-16 units, SMS parts, and the most parts
// allowed.
func Measure(t Template) (units, parts, maxParts int) {
	s := worstCase(t)
	return UTF16Units(s), Parts(s), t.maxParts()
}

// editError is a refused edit: EInvalid with a message key (and its
// arguments) for the page and the field it concerns.
func editError(field, key string, args ...any) error {
	fk := key
	if len(args) > 0 {
		fk = "sms.error.see_above"
	}
	return &grievance.Error{Code: grievance.EInvalid, Key: key, Args: args, Fields: map[string]string{field: fk}}
}

// EditTemplate returns cur with the DLT template ID dltID and the text
// named (slots written "{#name#}", see NamedText), checked exactly as
// NewCatalogue checks a template at start-up. A refusal is EInvalid with a
// translatable key naming what is wrong: "sms.error.dlt_id" (not 6-25
// digits), "sms.error.text" (empty, not UTF-8 or too long to edit),
// "sms.error.slot" (a slot that is not one of the event's variables; the
// arguments are the slot and the variables allowed), "sms.error.braces" (a
// "{#" or "#}" left that is no slot), "sms.error.must_carry" (the complaint
// number or the code is missing), "sms.error.pattern" (a full render would
// not match the registered pattern) or "sms.error.too_long" (with full
// slots the message takes more parts than allowed; the arguments are the
// parts, the most allowed and the UTF-16 units).
func EditTemplate(cur Template, dltID, named string) (Template, error) {
	t := cur
	t.DLTID = strings.TrimSpace(dltID)
	if !digits.MatchString(t.DLTID) {
		return cur, editError("dlt_id", "sms.error.dlt_id")
	}
	named = strings.TrimSpace(strings.ReplaceAll(named, "\r\n", "\n"))
	if named == "" || !utf8.ValidString(named) || len(named) > maxEditBytes {
		return cur, editError("text", "sms.error.text")
	}
	allowed := slots[key(cur.Event, cur.Audience)]
	var list []string
	for _, a := range allowed {
		list = append(list, "{#"+a+"#}")
	}
	var vars []string
	var bad string
	text := namedSlot.ReplaceAllStringFunc(named, func(s string) string {
		name := strings.ToLower(namedSlot.FindStringSubmatch(s)[1])
		if !slices.Contains(allowed, name) {
			if bad == "" {
				bad = s
			}
			return s
		}
		vars = append(vars, name)
		return Slot
	})
	if bad != "" {
		return cur, editError("text", "sms.error.slot", bad, strings.Join(list, " "))
	}
	if strings.Contains(strings.ReplaceAll(text, Slot, ""), "{#") || strings.Contains(strings.ReplaceAll(text, Slot, ""), "#}") {
		return cur, editError("text", "sms.error.braces")
	}
	for _, must := range []string{VarNumber, VarOTP} {
		if slices.Contains(allowed, must) && !slices.Contains(vars, must) {
			return cur, editError("text", "sms.error.must_carry", "{#"+must+"#}")
		}
	}
	t.Text, t.Vars = text, vars
	if _, err := t.Pattern(); err != nil || Check(t, worstCase(t)) != nil {
		return cur, editError("text", "sms.error.pattern")
	}
	if units, parts, most := Measure(t); parts > most {
		return cur, editError("text", "sms.error.too_long", parts, most, units)
	}
	return t, nil
}

// With returns a catalogue in which t replaces the template of the same
// event, audience and language, checked by NewCatalogue; c is unchanged.
func (c *Catalogue) With(t Template) (*Catalogue, error) {
	list := c.Templates()
	i := slices.IndexFunc(list, func(x Template) bool {
		return x.Event == t.Event && x.Audience == t.Audience && x.Lang == t.Lang
	})
	if i < 0 {
		list = append(list, t)
	} else {
		list[i] = t
	}
	return NewCatalogue(list, c.EntityID, c.Header)
}

// Vars returns what fills each slot of t, in order: its own names, or the
// event's default order.
func Vars(t Template) []string { return slices.Clone(t.vars()) }
