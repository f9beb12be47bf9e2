//! GST state and union-territory codes, and normalisation of the free-text ship-to state Amazon
//! passes through. Unknown spellings are never guessed: [`state_code`] returns `None` and the
//! order is flagged for the CA.

/// `(code, official name)` for every state and UT (GSTN numbering).
pub const STATES: &[(&str, &str)] = &[
    ("01", "Jammu and Kashmir"),
    ("02", "Himachal Pradesh"),
    ("03", "Punjab"),
    ("04", "Chandigarh"),
    ("05", "Uttarakhand"),
    ("06", "Haryana"),
    ("07", "Delhi"),
    ("08", "Rajasthan"),
    ("09", "Uttar Pradesh"),
    ("10", "Bihar"),
    ("11", "Sikkim"),
    ("12", "Arunachal Pradesh"),
    ("13", "Nagaland"),
    ("14", "Manipur"),
    ("15", "Mizoram"),
    ("16", "Tripura"),
    ("17", "Meghalaya"),
    ("18", "Assam"),
    ("19", "West Bengal"),
    ("20", "Jharkhand"),
    ("21", "Odisha"),
    ("22", "Chhattisgarh"),
    ("23", "Madhya Pradesh"),
    ("24", "Gujarat"),
    ("26", "Dadra and Nagar Haveli and Daman and Diu"),
    ("27", "Maharashtra"),
    ("29", "Karnataka"),
    ("30", "Goa"),
    ("31", "Lakshadweep Islands"),
    ("32", "Kerala"),
    ("33", "Tamil Nadu"),
    ("34", "Puducherry"),
    ("35", "Andaman and Nicobar Islands"),
    ("36", "Telangana"),
    ("37", "Andhra Pradesh"),
    ("38", "Ladakh"),
    ("97", "Other Territory"),
];

/// `PCS-PIECES`: a unit quantity code as Table 12 writes it.
pub fn uqc_label(code: &str) -> String {
    match crate::catalog::UQC.iter().find(|(c, _)| *c == code) {
        Some((c, label)) => format!("{c}-{label}"),
        None => code.to_owned(),
    }
}

/// Place-of-supply names where the offline tool's master list spells them differently from
/// [`STATES`] (docs/gst-rules.md: the tool's own spelling, "Lakshdweep" included).
const POS_SPELLINGS: &[(&str, &str)] =
    &[("01", "Jammu & Kashmir"), ("26", "Dadra & Nagar Haveli & Daman & Diu"), ("31", "Lakshdweep"), ("35", "Andaman & Nicobar Islands")];

/// `24-Gujarat`: a place of supply as the offline tool's master list writes it.
pub fn pos_label(code: &str) -> String {
    let name = POS_SPELLINGS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n).or_else(|| state_name(code)).unwrap_or("Unknown");
    format!("{code}-{name}")
}

/// Other spellings seen in addresses: old names, short forms, common variants.
const ALIASES: &[(&str, &str)] = &[
    ("jammu kashmir", "01"),
    ("j&k", "01"),
    ("jk", "01"),
    ("hp", "02"),
    ("uttaranchal", "05"),
    ("uk", "05"),
    ("new delhi", "07"),
    ("nct of delhi", "07"),
    ("delhi ncr", "07"),
    ("up", "09"),
    ("wb", "19"),
    ("orissa", "21"),
    ("chattisgarh", "22"),
    ("mp", "23"),
    ("gujrat", "24"),
    ("daman and diu", "26"),
    ("dadra and nagar haveli", "26"),
    ("dnh", "26"),
    ("mh", "27"),
    ("bombay", "27"),
    ("ka", "29"),
    ("lakshadweep", "31"),
    ("tamilnadu", "33"),
    ("tn", "33"),
    ("pondicherry", "34"),
    ("pondy", "34"),
    ("andaman and nicobar", "35"),
    ("andaman", "35"),
    ("ts", "36"),
    ("ap", "37"),
];

fn fold(text: &str) -> String {
    let mut out = String::new();
    for word in text.to_lowercase().replace('&', " and ").split(|c: char| !c.is_alphanumeric()) {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// The GST state code of a free-text state, or `None` when the spelling is not known.
pub fn state_code(text: &str) -> Option<&'static str> {
    let folded = fold(text);
    if folded.is_empty() {
        return None;
    }
    if let Some((code, _)) = STATES.iter().find(|(code, name)| fold(name) == folded || *code == folded) {
        return Some(code);
    }
    if folded == "and" {
        return None;
    }
    // "J&K" folds to "j and k"; aliases are matched folded too.
    ALIASES.iter().find(|(alias, _)| fold(alias) == folded).map(|(_, code)| *code)
}

/// The official name for a code.
pub fn state_name(code: &str) -> Option<&'static str> {
    STATES.iter().find(|(c, _)| *c == code).map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_normalise_and_unknowns_are_not_guessed() {
        for (text, code) in [
            ("Gujarat", "24"),
            ("GUJARAT", "24"),
            ("  gujarat ", "24"),
            ("Tamilnadu", "33"),
            ("Tamil Nadu", "33"),
            ("Orissa", "21"),
            ("Pondicherry", "34"),
            ("NEW DELHI", "07"),
            ("Jammu & Kashmir", "01"),
            ("Daman & Diu", "26"),
            ("Andaman & Nicobar Islands", "35"),
        ] {
            assert_eq!(state_code(text), Some(code), "{text}");
        }
        assert_eq!(state_code("Gujrat Pradesh"), None);
        assert_eq!(state_code(""), None);
        assert_eq!(state_name("24"), Some("Gujarat"));
    }
}
