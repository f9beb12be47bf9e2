-- dakiya schema v8: the GSTR-1 sheets' rows as filed (`dakiya gst lock`), so `gst export --amend` can say what a
-- filed period's figures are now against what was filed (B2CSA, B2CLA, 14A carry the revised
-- figures). Cells as a JSON array of the sheet's strings: no customer data (the sheets hold
-- places of supply, rates, invoice numbers, amounts and, for B2B, the buyer's GSTIN).
CREATE TABLE gst_filed_rows (
    period  VARCHAR NOT NULL,
    sheet   VARCHAR NOT NULL,
    row_no  BIGINT NOT NULL,
    cells   VARCHAR NOT NULL,
    PRIMARY KEY (period, sheet, row_no)
);
