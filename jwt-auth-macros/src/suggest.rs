//! "Did you mean": the closest known name by edit distance.

/// The edit distance between two strings, by characters: insertions, deletions, substitutions
/// and transpositions of neighbours (`flwo` is one edit from `flow`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j].
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = rows[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The candidate closest to `name`, if it is close enough to be a likely typo: at most one edit
/// per three characters, and at least one.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("exclude", "exclude"), 0);
        assert_eq!(edit_distance("exlude", "exclude"), 1);
        assert_eq!(edit_distance("flwo", "flow"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_is_a_likely_typo_only() {
        let keys = ["secret", "exclude", "expiration", "flow"];
        assert_eq!(closest("exlude", keys), Some("exclude"));
        assert_eq!(closest("secrte", keys), Some("secret"));
        assert_eq!(closest("flwo", keys), Some("flow"));
        assert_eq!(closest("expiry", keys), None);
        assert_eq!(closest("database", keys), None);
    }
}
