//! Output on an Arm PL011 UART: the secure world's log (QEMU virt puts
//! the secure UART at 0x09040000, the second `-serial`). Polling only.
#![no_std]

const DR: usize = 0x00;
const FR: usize = 0x18;
const FR_TXFF: u32 = 1 << 5;

/// A PL011 at a fixed address, accessible at that address (identity
/// mapped as Device memory, or with the MMU off).
#[derive(Clone, Copy)]
pub struct Pl011 {
    base: usize,
}

impl Pl011 {
    /// # Safety
    ///
    /// `base` must be the address of a PL011's registers, accessible
    /// whenever this value is used.
    pub const unsafe fn new(base: usize) -> Pl011 {
        Pl011 { base }
    }

    fn putc(&self, c: u8) {
        // SAFETY: `new`'s contract: the registers are at `base`.
        unsafe {
            while core::ptr::read_volatile((self.base + FR) as *const u32) & FR_TXFF != 0 {}
            core::ptr::write_volatile((self.base + DR) as *mut u32, c as u32);
        }
    }

    /// Write a string (`\n` as CR LF).
    pub fn puts(&self, s: &str) {
        for b in s.bytes() {
            if b == b'\n' {
                self.putc(b'\r');
            }
            self.putc(b);
        }
    }
}

impl core::fmt::Write for Pl011 {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.puts(s);
        Ok(())
    }
}

/// `write!` to a UART, ignoring the (infallible) result.
#[macro_export]
macro_rules! log {
    ($uart:expr, $($arg:tt)*) => {{
        let mut u = $uart;
        let _ = core::fmt::Write::write_fmt(&mut u, format_args!($($arg)*));
    }};
}
