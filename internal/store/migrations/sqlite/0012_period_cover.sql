-- Channel mix and repeat complainants read a period's complaints by filing
-- time with their filters: this index holds the period and every column
-- those reports read or filter on, so they never touch the table.
CREATE INDEX complaints_period ON complaints (created, channel, mobile, department, area, category);
