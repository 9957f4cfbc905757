fn main() {
    loupe::start();
}
