-- musicindex library schema, migration 4: what decoding found damaged or missing.
-- Applied exactly as written by the program (see schema/README.md). Frozen once shipped.

-- For a payload whose features were computed from only part of it (a truncated file, junk
-- in the middle), what was missing, as the scan reported it; NULL when it decoded whole.
ALTER TABLE features ADD COLUMN damage TEXT;
