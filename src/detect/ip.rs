//! Validate stage for `ip`: IPv4 addresses that can point at a person, i.e. public ones. Private,
//! loopback, link-local, shared (CGNAT), documentation, multicast and reserved ranges are not
//! reported.

/// The four octets of a dotted quad with no leading zeros, if `s` is one.
pub fn parse(s: &[u8]) -> Option<[u8; 4]> {
    if !(7..=15).contains(&s.len()) || s.iter().filter(|&&b| b == b'.').count() != 3 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut parts = s.split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return None;
        }
        let value: u32 = std::str::from_utf8(part).ok()?.parse().ok()?;
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Whether an address is publicly routable.
pub fn is_public([a, b, c, _]: [u8; 4]) -> bool {
    !(a == 0
        || a == 10
        || a == 127
        || a >= 224
        || (a == 100 && (64..=127).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..=31).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private() {
        assert_eq!(parse(b"114.114.114.114").map(is_public), Some(true));
        for private in ["10.0.0.1", "192.168.1.1", "172.20.3.4", "127.0.0.1", "100.64.0.1", "203.0.113.7", "224.0.0.1"]
        {
            assert_eq!(parse(private.as_bytes()).map(is_public), Some(false), "{private}");
        }
        for bad in ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3"] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad}");
        }
    }
}
