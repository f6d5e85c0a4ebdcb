#[rizk::tool(skip(clinet))]
fn search(client: &str, query: &str) -> usize {
    client.len() + query.len()
}

fn main() {}
