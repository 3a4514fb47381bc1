//! SMC Calling Convention (Arm DEN 0028) and PSCI (Arm DEN 0022).

/// The standard "not supported" answer (-1), as a 64-bit register.
pub const NOT_SUPPORTED: u64 = u64::MAX;
/// The same answer for a 32-bit call (only w0 is meaningful).
pub const NOT_SUPPORTED_32: u64 = 0xFFFF_FFFF;

/// `SMCCC_VERSION`.
pub const SMCCC_VERSION: u32 = 0x8000_0000;
/// `SMCCC_ARCH_FEATURES`.
pub const SMCCC_ARCH_FEATURES: u32 = 0x8000_0001;
/// Version 1.1, as `SMCCC_VERSION` answers it (major << 16 | minor).
pub const SMCCC_VERSION_1_1: u64 = 0x1_0001;

/// `PSCI_VERSION`.
pub const PSCI_VERSION: u32 = 0x8400_0000;
/// `CPU_OFF`.
pub const PSCI_CPU_OFF: u32 = 0x8400_0002;
/// `CPU_ON` (SMC32 and SMC64).
pub const PSCI_CPU_ON_32: u32 = 0x8400_0003;
/// `CPU_ON`, SMC64.
pub const PSCI_CPU_ON_64: u32 = 0xC400_0003;
/// `AFFINITY_INFO`, SMC32.
pub const PSCI_AFFINITY_INFO_32: u32 = 0x8400_0004;
/// `AFFINITY_INFO`, SMC64.
pub const PSCI_AFFINITY_INFO_64: u32 = 0xC400_0004;
/// `MIGRATE_INFO_TYPE`.
pub const PSCI_MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
/// `SYSTEM_OFF`.
pub const PSCI_SYSTEM_OFF: u32 = 0x8400_0008;
/// `SYSTEM_RESET`.
pub const PSCI_SYSTEM_RESET: u32 = 0x8400_0009;
/// `PSCI_FEATURES`.
pub const PSCI_FEATURES: u32 = 0x8400_000A;
/// PSCI 1.0.
pub const PSCI_VERSION_1_0: u64 = 0x1_0000;
/// PSCI `NOT_SUPPORTED` (-1).
pub const PSCI_E_NOT_SUPPORTED: u64 = u64::MAX;
/// PSCI `ALREADY_ON` (-4).
pub const PSCI_E_ALREADY_ON: u64 = (-4i64) as u64;
/// `MIGRATE_INFO_TYPE`: a trusted OS that needs no migration.
pub const PSCI_TOS_NOT_PRESENT_MP: u64 = 2;

/// Who a function identifier is addressed to (bits 29:24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// 0: Arm architecture calls (SMCCC_VERSION, workarounds).
    Arch,
    /// 1: CPU service.
    Cpu,
    /// 2: SiP.
    Sip,
    /// 3: OEM.
    Oem,
    /// 4: standard secure services (PSCI among them).
    Standard,
    /// 5: standard hypervisor services.
    Hypervisor,
    /// 6: vendor-specific hypervisor services.
    VendorHypervisor,
    /// 48-49: trusted applications.
    TrustedApp,
    /// 50-63: trusted OS (OP-TEE uses 50 and 63).
    TrustedOs,
    /// Reserved ranges.
    Reserved,
}

/// A decoded SMC function identifier (w0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionId(pub u32);

impl FunctionId {
    /// From the caller's x0 (only w0 is the identifier; SMCCC v1.1 says
    /// the upper half must be ignored).
    pub fn from_x0(x0: u64) -> FunctionId {
        FunctionId(x0 as u32)
    }

    /// Fast (atomic) call: bit 31 set. Otherwise yielding (standard).
    pub fn is_fast(self) -> bool {
        self.0 & 0x8000_0000 != 0
    }

    /// SMC64 calling convention: bit 30 set.
    pub fn is_smc64(self) -> bool {
        self.0 & 0x4000_0000 != 0
    }

    /// The owning entity number, bits 29:24.
    pub fn owner_number(self) -> u32 {
        (self.0 >> 24) & 0x3F
    }

    /// The function number, bits 15:0.
    pub fn number(self) -> u16 {
        self.0 as u16
    }

    /// Bits 23:16 must be zero in a fast call (they are reserved);
    /// SVE hint bit 16 is allowed from SMCCC 1.3.
    pub fn reserved_bits_clear(self) -> bool {
        !self.is_fast() || self.0 & 0x00FE_0000 == 0
    }

    /// The owner (bits 29:24).
    pub fn owner(self) -> Owner {
        match self.owner_number() {
            0 => Owner::Arch,
            1 => Owner::Cpu,
            2 => Owner::Sip,
            3 => Owner::Oem,
            4 => Owner::Standard,
            5 => Owner::Hypervisor,
            6 => Owner::VendorHypervisor,
            48..=49 => Owner::TrustedApp,
            50..=63 => Owner::TrustedOs,
            _ => Owner::Reserved,
        }
    }

    /// The "unknown function" answer in the width of this call.
    pub fn unknown(self) -> u64 {
        if self.is_smc64() {
            NOT_SUPPORTED
        } else {
            NOT_SUPPORTED_32
        }
    }
}

/// Where the monitor sends a call from the normal world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The monitor answers (SMCCC arch calls, PSCI).
    Monitor,
    /// A fast call for the trusted OS.
    TrustedOsFast,
    /// A yielding call for the trusted OS.
    TrustedOsYielding,
    /// Nobody: answered with [`FunctionId::unknown`].
    Unknown,
}

/// The dispatcher's routing rule (the role TF-A's SPD plays).
pub fn route(id: FunctionId) -> Route {
    if !id.reserved_bits_clear() {
        return Route::Unknown;
    }
    match (id.owner(), id.is_fast()) {
        (Owner::Arch | Owner::Standard, true) => Route::Monitor,
        (Owner::TrustedOs, true) => Route::TrustedOsFast,
        (Owner::TrustedOs, false) => Route::TrustedOsYielding,
        _ => Route::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_ids_decode() {
        let uid = FunctionId(0xBF00_FF01); // OP-TEE CALLS_UID
        assert!(uid.is_fast() && !uid.is_smc64());
        assert_eq!(uid.owner_number(), 63);
        assert_eq!(uid.number(), 0xFF01);
        assert_eq!(route(uid), Route::TrustedOsFast);
        let call = FunctionId(0x3200_0004); // CALL_WITH_ARG
        assert!(!call.is_fast());
        assert_eq!(call.owner(), Owner::TrustedOs);
        assert_eq!(route(call), Route::TrustedOsYielding);
        assert_eq!(route(FunctionId(PSCI_VERSION)), Route::Monitor);
        assert_eq!(route(FunctionId(PSCI_CPU_ON_64)), Route::Monitor);
        assert_eq!(route(FunctionId(SMCCC_VERSION)), Route::Monitor);
        // SiP, OEM, hypervisor, reserved owners: nobody here.
        for id in [
            0x8200_0000,
            0x8300_0001,
            0x8500_0000,
            0x8700_0000,
            0xB000_0000,
        ] {
            assert_eq!(route(FunctionId(id)), Route::Unknown, "{id:#x}");
        }
        // A yielding call to the standard services is not PSCI.
        assert_eq!(route(FunctionId(0x0400_0000)), Route::Unknown);
        // Reserved bits 23:17 set in a fast call.
        assert_eq!(route(FunctionId(0xB202_0001)), Route::Unknown);
        // Only w0 counts.
        assert_eq!(FunctionId::from_x0(0xDEAD_BEEF_BF00_FF01), uid);
        assert_eq!(uid.unknown(), 0xFFFF_FFFF);
        assert_eq!(FunctionId(PSCI_CPU_ON_64).unknown(), u64::MAX);
    }
}
