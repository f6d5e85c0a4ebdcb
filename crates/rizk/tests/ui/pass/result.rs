// Returning `Result` under several spellings, with `?` converting errors as without the macro.

#[derive(Debug)]
struct StockError;

impl std::fmt::Display for StockError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of stock")
    }
}

impl std::error::Error for StockError {}

#[rizk::task]
fn check(sku: &str) -> Result<bool, StockError> {
    if sku.is_empty() {
        Err(StockError)
    } else {
        Ok(true)
    }
}

#[rizk::workflow]
fn order(sku: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    check(sku)?;
    let n: u32 = "3".parse()?;
    Ok(n)
}

#[rizk::tool]
fn read(path: &str) -> std::io::Result<()> {
    std::fs::metadata(path)?;
    Ok(())
}

#[rizk::task]
async fn async_order(sku: &str) -> Result<u32, String> {
    check(sku).map_err(|e| e.to_string())?;
    Ok(1)
}

fn main() {
    assert_eq!(order("a").unwrap(), 3);
    assert!(order("").is_err());
    assert!(read("/definitely/not/here").is_err());
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(async_order("")), Err("out of stock".to_owned()));
}
