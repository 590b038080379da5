//! Small text helpers the checkers share.

/// Levenshtein distance between two strings, or `None` when it is more than `max`
/// (lengths further apart than `max` are not compared at all).
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    Some(row[b.len()]).filter(|&d| d <= max)
}

/// The known word closest to `word`, within `max_for(candidate)` edits, excluding
/// `word` itself.
pub fn closest<'k>(
    word: &str,
    known: impl IntoIterator<Item = &'k str>,
    max_for: impl Fn(&str) -> usize,
) -> Option<&'k str> {
    known
        .into_iter()
        .filter_map(|k| edit_distance(word, k, max_for(k)).map(|d| (d, k)))
        .filter(|(d, _)| *d > 0)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_with_a_cap() {
        assert_eq!(edit_distance("setcokie", "setcookie", 2), Some(1));
        assert_eq!(edit_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance("kitten", "sitting", 2), None);
        assert_eq!(edit_distance("a", "abcd", 2), None);
    }

    #[test]
    fn closest_word() {
        let known = ["include_erts", "include_src", "dev_mode"];
        assert_eq!(closest("include_ert", known, |_| 2), Some("include_erts"));
        assert_eq!(closest("include_erts", known, |_| 2), None);
        assert_eq!(closest("zzz", known, |_| 2), None);
    }
}
