//! Kubernetes quantities (`64Mi`, `1.5Gi`, `500m`, `2`) in, numbers to compare out: bytes for
//! memory and millicores for CPU; and back to the form people write.

/// Bytes of a memory quantity, or millicores of a CPU one (`cpu` true).
pub fn parse(q: &str, cpu: bool) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (number, unit) = q.split_at(split);
    let n: f64 = number.parse().ok()?;
    let factor = match unit {
        "" => 1.0,
        "m" => 0.001,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        _ => return None,
    };
    Some(if cpu { n * factor * 1000.0 } else { n * factor })
}

/// Bytes as whole mebibytes (`96Mi`), rounded up.
pub fn mebibytes(bytes: f64) -> String {
    format!("{}Mi", (bytes / (1024.0 * 1024.0)).ceil() as u64)
}

/// Millicores as `250m`, rounded down (a request must fit).
pub fn millicores(m: f64) -> String {
    format!("{}m", m.floor() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_people_write_them() {
        assert_eq!(parse("64Mi", false), Some(64.0 * 1048576.0));
        assert_eq!(parse("1.5Gi", false), Some(1.5 * 1073741824.0));
        assert_eq!(parse("500m", true), Some(500.0));
        assert_eq!(parse("2", true), Some(2000.0));
        assert_eq!(parse("16374668Ki", false), Some(16374668.0 * 1024.0));
        assert_eq!(parse("lots", false), None);
        assert_eq!(mebibytes(64.0 * 1048576.0 + 1.0), "65Mi");
        assert_eq!(millicores(475.9), "475m");
    }
}
