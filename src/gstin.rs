//! GSTIN: the 15-character GST identification number, checked before it goes into a return.
//!
//! Layout (CGST Rules, rule 10 and Form GST REG-06): two digits of state code, the holder's PAN
//! (five letters, four digits, a letter), one entity character, one default character (`Z` for a
//! normal taxpayer, `C` for an e-commerce operator's TCS registration, `D` for TDS) and a check
//! character. The check character is the Luhn mod-36 algorithm over `0-9A-Z` (factor 1 and 2
//! alternating from the left, each product folded as quotient + remainder by 36; the check makes
//! the total a multiple of 36): docs/gst-rules.md cites the public descriptions it follows.

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Why a GSTIN is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GstinError {
    /// Not 15 characters of `0-9A-Z`.
    #[error("a GSTIN has 15 characters, digits and capital letters only")]
    Shape,
    /// The state code or PAN part does not have the right form.
    #[error("a GSTIN starts with a two-digit state code and a PAN (five letters, four digits, a letter)")]
    Layout,
    /// The check character does not match.
    #[error("the check character is wrong: expected {expected} at the end (a typing mistake?)")]
    Checksum {
        /// The character the other fourteen call for.
        expected: char,
    },
}

/// The check character the first fourteen characters call for.
pub fn check_char(first14: &[u8]) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in first14.iter().enumerate() {
        let value = ALPHABET.iter().position(|a| a == c)? as u32;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    Some(char::from(ALPHABET[((36 - sum % 36) % 36) as usize]))
}

/// Validate a GSTIN (spaces around it ignored, letters must be capitals).
pub fn validate(gstin: &str) -> Result<(), GstinError> {
    let g = gstin.trim().as_bytes();
    if g.len() != 15 || !g.iter().all(|c| ALPHABET.contains(c)) {
        return Err(GstinError::Shape);
    }
    let state_ok = g[..2].iter().all(u8::is_ascii_digit);
    let pan_ok = g[2..7].iter().all(u8::is_ascii_uppercase) && g[7..11].iter().all(u8::is_ascii_digit) && g[11].is_ascii_uppercase();
    if !state_ok || !pan_ok {
        return Err(GstinError::Layout);
    }
    let expected = check_char(&g[..14]).ok_or(GstinError::Shape)?;
    if char::from(g[14]) != expected {
        return Err(GstinError::Checksum { expected });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check character worked by hand for `27AAPFU0939F1Z?` (a GSTIN used as the example in
    /// public descriptions of the algorithm): values 2,7,10,10,25,15,30,0,9,3,9,15,1,35 with
    /// factors 1,2,1,2,…: products 2,14,10,20,25,30,30,0,9,6,9,30,1,70 → folded 2,14,10,20,25,30,
    /// 30,0,9,6,9,30,1,1+34=35 → sum 221; 221 mod 36 = 5; 36 − 5 = 31 → `V`.
    #[test]
    fn check_character_by_hand() {
        assert_eq!(check_char(b"27AAPFU0939F1Z"), Some('V'));
        assert_eq!(validate("27AAPFU0939F1ZV"), Ok(()));
        assert_eq!(validate("27AAPFU0939F1ZA"), Err(GstinError::Checksum { expected: 'V' }));
        assert_eq!(validate("27AAPFU0939F1Z"), Err(GstinError::Shape));
        assert_eq!(validate("2XAAPFU0939F1ZV"), Err(GstinError::Layout));
        assert_eq!(validate("27aapfu0939f1zv"), Err(GstinError::Shape));
    }
}
