// Methods taking `self`, `&self`, `&mut self`, an associated function, and a trait impl.

struct Cart {
    items: Vec<u32>,
}

impl Cart {
    #[rizk::task]
    fn new() -> Self {
        Cart { items: Vec::new() }
    }

    #[rizk::task]
    fn add(&mut self, price: u32) {
        self.items.push(price);
    }

    #[rizk::tool]
    fn total(&self) -> u32 {
        self.items.iter().sum()
    }

    #[rizk::workflow]
    async fn checkout(self) -> u32 {
        self.total()
    }
}

trait Priced {
    fn price(&self) -> u32;
}

impl Priced for Cart {
    #[rizk::tool]
    fn price(&self) -> u32 {
        self.total()
    }
}

fn main() {
    let mut cart = Cart::new();
    cart.add(2);
    cart.add(3);
    assert_eq!(cart.price(), 5);
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(rt.block_on(cart.checkout()), 5);
}
