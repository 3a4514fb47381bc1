// SPDX-License-Identifier: Apache-2.0
//! A Teaclave-style TA: the optee-utee entry-point macros, trace_println!,
//! typed parameters, and the GP API through optee-utee (a SHA-256 digest,
//! a persistent object, AES, random numbers, time).
#![no_std]
#![no_main]

use optee_utee::{
    ta_close_session, ta_create, ta_destroy, ta_invoke_command, ta_open_session, trace_println,
};
use optee_utee::{
    AlgorithmId, DataFlag, Digest, Error, ErrorKind, ObjectStorageConstants, ParameterMemrefRead,
    ParameterMemrefWrite, ParameterValueRead, ParameterValueWrite, ParametersAny,
    PersistentObject, Result,
};

#[ta_create]
fn create() -> Result<()> {
    trace_println!("[+] Teaclave-style TA create");
    Ok(())
}

#[ta_open_session]
fn open_session(_params: &mut ParametersAny) -> Result<()> {
    Ok(())
}

#[ta_close_session]
fn close_session() {}

#[ta_destroy]
fn destroy() {}

#[ta_invoke_command]
fn invoke_command(cmd_id: u32, params: &mut ParametersAny) -> Result<()> {
    match cmd_id {
        // VALUE_INOUT: a + 100
        0 => {
            let v = params.0.as_value_inout()?;
            let a = v.get_a();
            v.set_a(a + 100);
            Ok(())
        }
        // MEMREF_INPUT, MEMREF_OUTPUT (32): SHA-256
        1 => {
            let input = params.0.as_memref_input()?.read_to_vec();
            let op = Digest::allocate(AlgorithmId::Sha256)?;
            let mut hash = [0u8; 32];
            op.do_final(&input, &mut hash)?;
            params.1.as_memref_output()?.set_output(hash)
        }
        // MEMREF_INPUT data, MEMREF_OUTPUT: store the data as persistent
        // object "teaclave", reopen it and read it back.
        2 => {
            let data = params.0.as_memref_input()?.read_to_vec();
            let flags = DataFlag::ACCESS_READ | DataFlag::ACCESS_WRITE | DataFlag::OVERWRITE;
            let id = b"teaclave";
            PersistentObject::create(ObjectStorageConstants::Private, id, flags, None, &data)?;
            let mut obj =
                PersistentObject::open(ObjectStorageConstants::Private, id, DataFlag::ACCESS_READ)?;
            let back = obj.read_remaining_to_vec()?;
            params.1.as_memref_output()?.set_output(back)
        }
        // MEMREF_OUTPUT: gpd.ta.version (from the TA's own property table,
        // as on OP-TEE: its header has no version field).
        3 => {
            use optee_utee::property::{PropertyKey, TaVersion};
            let v = TaVersion.get()?;
            params.0.as_memref_output()?.set_output(v.as_bytes())
        }
        // MEMREF_OUTPUT (16), VALUE_OUTPUT: AES-128-ECB of the zero block
        // under the zero key (a known answer); value a = 1 when 32 random
        // bytes are not all zero, b = the system time's seconds.
        4 => {
            use optee_utee::{
                AttributeId, AttributeMemref, Cipher, OperationMode, Random, Time,
                TransientObject, TransientObjectType,
            };
            let key = [0u8; 16];
            let mut obj = TransientObject::allocate(TransientObjectType::Aes, 128)?;
            obj.populate(&[AttributeMemref::from_ref(AttributeId::SecretValue, &key).into()])?;
            let op = Cipher::allocate(AlgorithmId::AesEcbNopad, OperationMode::Encrypt, 128)?;
            op.set_key(&obj)?;
            op.init(&[]);
            let mut block = [0u8; 16];
            op.do_final(&[0u8; 16], &mut block)?;
            params.0.as_memref_output()?.set_output(block)?;
            let mut r = [0u8; 32];
            Random::generate(&mut r);
            let mut t = Time::new();
            t.system_time();
            let v = params.1.as_value_output()?;
            v.set_a(r.iter().any(|&b| b != 0) as u32);
            v.set_b(t.seconds);
            Ok(())
        }
        // VALUE_OUTPUT: a = gpd.ta.dataSize (the table's, as TaConfig set
        // it), b = 1 when TEE_Malloc gives half of it and refuses more.
        5 => {
            use optee_utee::property::{PropertyKey, TaDataSize};
            let size = TaDataSize.get()?;
            // SAFETY: TEE_Malloc/TEE_Free of the GP API; each block is
            // freed once and never dereferenced.
            let bounded = unsafe {
                let half = optee_utee_sys::TEE_Malloc(size as usize / 2, 0);
                let over = optee_utee_sys::TEE_Malloc(size as usize + 1, 0);
                let ok = !half.is_null() && over.is_null();
                optee_utee_sys::TEE_Free(half);
                optee_utee_sys::TEE_Free(over);
                ok
            };
            let v = params.0.as_value_output()?;
            v.set_a(size);
            v.set_b(bounded as u32);
            Ok(())
        }
        // MEMREF_INPUT x (big-endian), MEMREF_OUTPUT x*x, VALUE_OUTPUT:
        // a = 1 when x is a probable prime, b = x mod 1000 (optee-utee's
        // BigInt over TEE_BigInt*).
        6 => {
            use optee_utee::BigInt;
            let bytes = params.0.as_memref_input()?.read_to_vec();
            let mut x = BigInt::new(bytes.len() as u32 * 8);
            x.convert_from_octet_string(&bytes, 0)?;
            let square = BigInt::multiply(&x, &x).convert_to_octet_string()?;
            params.1.as_memref_output()?.set_output(&square)?;
            let mut thousand = BigInt::new(32);
            thousand.convert_from_s32(1000);
            let rest = BigInt::module(&x, &thousand).convert_to_s32()?;
            let v = params.2.as_value_output()?;
            v.set_a((x.is_probable_prime(80) != 0) as u32);
            v.set_b(rest as u32);
            Ok(())
        }
        _ => Err(Error::new(ErrorKind::BadParameters)),
    }
}

include!(concat!(env!("OUT_DIR"), "/user_ta_header.rs"));
