#[rizk::task(skip(a), skip_all)]
fn step(a: u8) -> u8 {
    a
}

fn main() {}
