// `impl Trait` in argument and return position.

#[rizk::task]
fn count(items: impl IntoIterator<Item = u32>) -> usize {
    items.into_iter().count()
}

#[rizk::task]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[rizk::tool]
fn describe(value: impl std::fmt::Display) -> String {
    value.to_string()
}

fn main() {
    assert_eq!(count(vec![1, 2, 3]), 3);
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(describe(7), "7");
}
