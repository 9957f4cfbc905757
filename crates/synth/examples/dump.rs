//! Prints demo pages: `cargo run -p loupe-synth --example dump -- [observations] [page_size]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let observations = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let page_size = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let config = loupe_synth::SynthConfig {
        observations,
        ..Default::default()
    };
    for page in loupe_synth::demo_pages(&config, page_size) {
        println!("{page}");
    }
}
