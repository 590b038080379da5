//! Small text helpers the checkers share.

/// Levenshtein distance between two strings (strsim's), or `None` when it is more
/// than `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.chars().count().abs_diff(b.chars().count()) > max {
        return None;
    }
    Some(strsim::levenshtein(a, b)).filter(|&d| d <= max)
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
