-- An amount in paise as a decimal with exactly two places ("-12.05"), for the CSV files: the
-- paise as DECIMAL(18,0) times 0.01 is an exact DECIMAL(18,2), which DuckDB writes with both
-- places (string building per value cost a third of the register's time). Beyond 10^16 rupees
-- the cast fails: the export stops, it never writes a wrong figure.
CREATE OR REPLACE TEMP MACRO gst_money(x) AS (CAST(x AS DECIMAL(18, 0)) * CAST(0.01 AS DECIMAL(3, 2)));
-- The GST slabs in force on an India date, basis points (docs/gst-rules.md "Rates"): before
-- 22 Sep 2025 (01/2017-IT(Rate)), from it (9/2025-IT(Rate)), from 1 Feb 2026 (19/2025-IT(Rate)).
CREATE OR REPLACE TEMP MACRO gst_slabs(day) AS
    (CASE WHEN day < DATE '2025-09-22' THEN [0, 10, 25, 150, 300, 500, 1200, 1800, 2800]
          WHEN day < DATE '2026-02-01' THEN [0, 10, 25, 150, 300, 500, 1800, 2800, 4000]
          ELSE [0, 10, 25, 150, 300, 500, 1800, 4000] END);
-- The India date of a UTC timestamp (IST is UTC + 5:30, no daylight saving).
CREATE OR REPLACE TEMP MACRO ist_day(t) AS (CAST(t + INTERVAL 330 MINUTE AS DATE));
-- The B2CL limit on an invoice day, paise: above ₹2,50,000 to 31 Jul 2024, ₹1,00,000 from
-- 1 Aug 2024 (12/2024-CT, Rule 59(4)).
CREATE OR REPLACE TEMP MACRO b2cl_limit(day) AS (CASE WHEN day <= DATE '2024-07-31' THEN 25000000 ELSE 10000000 END);
