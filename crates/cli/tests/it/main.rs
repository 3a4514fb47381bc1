//! Integration tests: the real `oxtee` daemon, real sandboxed TA processes,
//! the example and test TAs from `dist/` (built by `scripts/build.sh`).

mod harness;

mod aead;
mod asym;
mod attest;
mod basic;
mod bigint;
mod boundary;
mod budget;
mod c_api;
mod concurrency;
mod digest;
mod examples;
mod hostile;
mod images;
mod install;
mod lifecycle;
mod mbedtls;
mod mem_time;
mod mem_time_host;
mod misbehave;
mod params;
mod params_host;
mod partitions;
mod props;
mod sandbox;
mod seal;
mod seal_host;
mod shlib;
mod sm2_pqc;
mod socket;
mod socket_host;
mod spares;
mod storage;
mod storage_host;
mod supp_plugin;
mod symcrypt;
mod syscalls;
mod ta2ta;
mod ta2ta_host;
mod ta_mgmt;
mod threads;
mod trace;
mod utee_sys;
