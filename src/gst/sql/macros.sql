-- An amount in paise as a decimal with exactly two places ("-12.05"), for the CSV files.
CREATE OR REPLACE TEMP MACRO gst_money(x) AS
    (CASE WHEN x < 0 THEN '-' ELSE '' END || CAST(abs(x) // 100 AS VARCHAR) || '.' || lpad(CAST(abs(x) % 100 AS VARCHAR), 2, '0'));
