// A plain function, with and without a return value.

#[rizk::task]
fn step(prompt: &str) -> usize {
    prompt.len()
}

#[rizk::workflow]
fn unit() {
    step("x");
}

fn main() {
    unit();
    assert_eq!(step("abc"), 3);
}
