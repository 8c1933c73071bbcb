//! Rows of sheets and database tables written as TSV lines, the shape the detectors know from
//! exports: the first line names the columns, one record per line, cells joined by tabs.

use std::fmt::Write as _;

/// Cell text with tabs and line breaks turned into spaces, so a row stays one TSV line.
pub fn push_escaped(s: &str, out: &mut String) {
    if s.contains(['\t', '\r', '\n']) {
        out.extend(s.chars().map(|c| if matches!(c, '\t' | '\r' | '\n') { ' ' } else { c }));
    } else {
        out.push_str(s);
    }
}

/// Phone and ID numbers typed into a sheet, or stored as REAL, are floats: `13800138000.0` or
/// `1.38e10` would hide them from the detectors, so whole numbers are written as integers.
/// Above 2^53 a float no longer holds every integer, and it keeps Rust's own rendering.
pub fn push_float(f: f64, out: &mut String) {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.is_finite() && f.fract() == 0.0 && f.abs() < EXACT {
        let _ = write!(out, "{}", f as i64);
    } else {
        let _ = write!(out, "{f}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        let mut out = String::new();
        push_escaped("a\tb\r\nc", &mut out);
        out.push('|');
        push_float(13800138000.0, &mut out);
        out.push('|');
        push_float(12.5, &mut out);
        out.push('|');
        push_float(1e300, &mut out);
        assert_eq!(out, format!("a b  c|13800138000|12.5|{}", 1e300));
    }
}
