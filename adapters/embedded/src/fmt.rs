//! The one logging shim (embassy's `fmt.rs` pattern): with the `defmt` feature the macros
//! forward to defmt; without it they compile to nothing but still type-check and use their
//! arguments, so both builds warn alike.

#[cfg(feature = "defmt")]
macro_rules! warn {
    ($($arg:tt)*) => { ::defmt::warn!($($arg)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! warn {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        let _ = ($(&$arg,)*);
    }};
}

#[cfg(feature = "defmt")]
macro_rules! debug {
    ($($arg:tt)*) => { ::defmt::debug!($($arg)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! debug {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{
        let _ = ($(&$arg,)*);
    }};
}
