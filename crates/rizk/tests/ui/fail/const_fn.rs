#[rizk::task]
const fn step() -> u8 {
    1
}

fn main() {}
