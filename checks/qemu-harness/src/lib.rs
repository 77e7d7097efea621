//! What jwtgate's Cortex-M4F firmwares under QEMU (`mps2-an386`) share: the memory map
//! (`memory.x`, put on the link path by this crate's build script), instruction counts from
//! SysTick, peak stack by painting, the semihosting exit and the panic handler.
//!
//! Measuring: DWT's cycle counter reads 0 under QEMU, but with `-icount shift=0` one
//! instruction is one virtual nanosecond, so SysTick on MPS2's 1 MHz reference clock counts
//! thousands of instructions, deterministically.

#![no_std]

use core::ptr;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_semihosting::{debug, hprintln};

/// SysTick reload: the full 24 bits (16.7 M instructions between wraps).
const SYST_RELOAD: u32 = 0x00FF_FFFF;

/// Instructions per SysTick tick under `-icount shift=0` on the 1 MHz reference clock.
pub const INSTRUCTIONS_PER_TICK: u64 = 1000;

/// Starts SysTick on the reference clock and waits for its first reload, so that the first
/// reading is meaningful.
pub fn start_systick(syst: &mut SYST) {
    syst.set_clock_source(SystClkSource::External);
    syst.set_reload(SYST_RELOAD);
    syst.clear_current();
    syst.enable_counter();
    while SYST::get_current() == 0 {}
}

/// Runs `f` and returns its result with the instructions it took (to the nearest thousand;
/// `f` must take under 16.7 M instructions, one SysTick period).
#[inline(never)]
pub fn count_instructions<R>(f: impl FnOnce() -> R) -> (R, u64) {
    let t0 = SYST::get_current();
    let r = f();
    let t1 = SYST::get_current();
    (
        r,
        u64::from(t0.wrapping_sub(t1) & SYST_RELOAD) * INSTRUCTIONS_PER_TICK,
    )
}

/// Bytes painted below the stack pointer; far more than any measured call needs.
const PAINT_BYTES: usize = 64 * 1024;
const PAINT: u32 = 0xC5C5_C5C5;

/// Runs `f` with the stack below it painted and returns its result with the peak stack it
/// used, in bytes (`None` if the measurement left the painted window). Nothing else may run
/// below the stack pointer meanwhile (no interrupts are enabled in these firmwares).
#[inline(never)]
pub fn measure_stack<R>(f: impl FnOnce() -> R) -> (R, Option<usize>) {
    let (low, high) = paint_stack();
    let sp = cortex_m::register::msp::read() as usize;
    let r = f();
    let touched = lowest_touched(low, high);
    let peak = (touched != low && touched != high).then(|| sp.saturating_sub(touched));
    (r, peak)
}

/// Fills `PAINT_BYTES` below this function's own stack pointer with `PAINT` and returns the
/// painted range `(low, high)`.
#[inline(never)]
fn paint_stack() -> (usize, usize) {
    let sp = cortex_m::register::msp::read() as usize;
    let high = (sp - 64) & !3; // stay clear of this frame
    let low = high - PAINT_BYTES;
    let mut p = low;
    while p < high {
        // SAFETY: `[low, high)` is RAM below the current stack pointer, unused by anyone.
        unsafe { ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    (low, high)
}

/// The lowest address in `[low, high)` whose painted word was overwritten, or `high`.
#[inline(never)]
fn lowest_touched(low: usize, high: usize) -> usize {
    let mut p = low;
    while p < high {
        // SAFETY: reads RAM that `paint_stack` painted; the deepest frames are long gone.
        if unsafe { ptr::read_volatile(p as *const u32) } != PAINT {
            return p;
        }
        p += 4;
    }
    high
}

/// Ends the QEMU run: exit code 0 if `ok`, non-zero otherwise.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached without a semihosting host (real hardware, no debugger).
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints `FAIL: what` and ends the run with a non-zero exit code.
pub fn fail(what: &str) -> ! {
    hprintln!("FAIL: {}", what);
    exit(false)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("PANIC: {}", info);
    exit(false)
}
