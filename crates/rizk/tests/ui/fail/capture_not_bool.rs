#[rizk::task(capture_input = "no")]
fn step(prompt: &str) -> usize {
    prompt.len()
}

fn main() {}
