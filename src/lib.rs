//! Loupe web app.
