// Generic functions: type parameters, where clauses, lifetimes, const generics.

use std::fmt::Debug;

#[rizk::task]
fn first<T: Clone + Debug>(items: &[T]) -> Option<T> {
    items.first().cloned()
}

#[rizk::tool]
fn longest<'a, S>(a: &'a S, b: &'a S) -> &'a S
where
    S: AsRef<str> + ?Sized,
{
    if a.as_ref().len() >= b.as_ref().len() {
        a
    } else {
        b
    }
}

#[rizk::task]
fn sum<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[rizk::task]
async fn echo<T: Send>(value: T) -> T {
    value
}

fn main() {
    assert_eq!(first(&[1, 2]), Some(1));
    assert_eq!(longest("ab", "c"), "ab");
    assert_eq!(sum([1, 2, 3]), 6);
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(echo(5u8)), 5);
}
