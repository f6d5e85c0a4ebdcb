use rizk::workflow;

#[workflow(input = "message")]
fn chat(question: &str) -> usize {
    question.len()
}

fn main() {}
