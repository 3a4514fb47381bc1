use super::*;
use manifest::Error as M;

const HOST: Id = 0x8001;
const STORAGE: Id = 0x8002;
const CRYPTO: Id = 0x8003;

fn m(id: Id, name: &str, uuid: &str, peers: &[Id]) -> Manifest {
    Manifest {
        id,
        name: name.into(),
        uuids: vec![uuid.into()],
        memory: 1 << 20,
        peers: peers.to_vec(),
    }
}

/// The TA host may call storage and crypto; storage may call crypto.
fn spmc() -> Spmc {
    let mut s = Spmc::new(vec![
        m(
            HOST,
            "ta-host",
            "6f787465-0000-4000-8000-000074616873",
            &[STORAGE, CRYPTO],
        ),
        m(
            STORAGE,
            "storage",
            "6f787465-0000-4000-8000-73746f726167",
            &[HOST, CRYPTO],
        ),
        m(
            CRYPTO,
            "crypto",
            "6f787465-0000-4000-8000-000063727970",
            &[HOST],
        ),
    ])
    .unwrap();
    for id in [HOST, STORAGE, CRYPTO] {
        s.started(id).unwrap();
    }
    s
}

fn req(sender: Id, receiver: Id) -> Direct {
    Direct {
        sender,
        receiver,
        args: [1, 2, 3, 4, 5],
    }
}

#[test]
fn manifests_parse_and_a_bad_set_is_refused_with_its_reason() {
    let text = "id = 0x8002\nname = \"storage\"\nuuids = [\"6f787465-0000-4000-8000-73746f726167\"]\nmemory = 16777216\npeers = [0x8001]\n";
    let one = Manifest::parse(text).unwrap();
    assert_eq!(
        (one.id, one.memory, one.peers.clone()),
        (0x8002, 16 << 20, vec![0x8001])
    );
    assert!(matches!(
        Manifest::parse("id = 0x8002\nname = \"x\"\nmemory = 4096\nrogue = 1\n"),
        Err(M::Parse(_))
    ));
    assert_eq!(
        Manifest::parse("id = 2\nname = \"x\"\nmemory = 4096\n"),
        Err(M::NotSecure { id: 2 })
    );
    assert_eq!(
        Manifest::parse("id = 0x8002\nname = \"a b\"\nmemory = 4096\n"),
        Err(M::Name { id: 0x8002 })
    );
    assert_eq!(
        Manifest::parse("id = 0x8002\nname = \"x\"\nmemory = 0\n"),
        Err(M::Memory { id: 0x8002 })
    );
    assert!(matches!(
        Manifest::parse("id = 0x8002\nname = \"x\"\nmemory = 4096\nuuids = [\"nope\"]\n"),
        Err(M::Uuid { .. })
    ));
    let u = "6f787465-0000-4000-8000-73746f726167";
    assert_eq!(
        check_set_of(&[
            m(HOST, "a", u, &[]),
            m(HOST, "b", "6f787465-0000-4000-8000-000000000001", &[])
        ]),
        Err(M::DuplicateId { id: HOST })
    );
    assert_eq!(
        check_set_of(&[
            m(HOST, "a", u, &[]),
            m(STORAGE, "b", &u.to_uppercase(), &[])
        ]),
        Err(M::DuplicateUuid {
            uuid: u.to_uppercase()
        })
    );
    assert_eq!(
        check_set_of(&[m(HOST, "a", u, &[CRYPTO])]),
        Err(M::Peer {
            id: HOST,
            peer: CRYPTO
        })
    );
    assert_eq!(
        check_set_of(&[m(HOST, "a", u, &[HOST])]),
        Err(M::Peer {
            id: HOST,
            peer: HOST
        })
    );
    let s = spmc();
    assert_eq!(
        s.by_uuid("6F787465-0000-4000-8000-73746F726167"),
        Some(STORAGE)
    );
    assert_eq!(s.manifest(CRYPTO).unwrap().name, "crypto");
}

fn check_set_of(set: &[Manifest]) -> Result<(), M> {
    manifest::check_set(set)
}

#[test]
fn direct_messages_go_only_between_peers_one_at_a_time_and_back_to_the_asker() {
    let mut s = spmc();
    assert_eq!(s.direct_req(HOST, &req(HOST, STORAGE)), Ok(STORAGE));
    // One request at a time per receiver.
    assert_eq!(s.direct_req(CRYPTO, &req(CRYPTO, HOST)), Ok(HOST));
    assert_eq!(s.direct_req(HOST, &req(HOST, STORAGE)), Err(Error::Busy));
    // Crypto may not ask storage (not its peer).
    s.direct_resp(HOST, &req(HOST, CRYPTO)).unwrap();
    assert_eq!(
        s.direct_req(CRYPTO, &req(CRYPTO, STORAGE)),
        Err(Error::Denied)
    );
    // A response goes only to the one whose request is pending.
    assert_eq!(
        s.direct_resp(STORAGE, &req(STORAGE, CRYPTO)),
        Err(Error::Denied)
    );
    assert_eq!(
        s.direct_resp(CRYPTO, &req(CRYPTO, HOST)),
        Err(Error::Denied)
    );
    assert_eq!(s.direct_resp(STORAGE, &req(STORAGE, HOST)), Ok(HOST));
    assert_eq!(
        s.direct_resp(STORAGE, &req(STORAGE, HOST)),
        Err(Error::Denied),
        "once"
    );
    // Unknown partitions and oneself.
    assert_eq!(s.direct_req(HOST, &req(HOST, 0x8009)), Err(Error::Denied));
    assert_eq!(
        s.direct_req(0x8009, &req(0x8009, HOST)),
        Err(Error::InvalidParameters)
    );
}

#[test]
fn a_message_claiming_another_partitions_id_is_refused() {
    let mut s = spmc();
    // Crypto's channel says it is the TA host, to reach storage.
    assert_eq!(
        s.direct_req(CRYPTO, &req(HOST, STORAGE)),
        Err(Error::InvalidParameters)
    );
    // Nothing was started: storage is free.
    assert_eq!(s.direct_req(HOST, &req(HOST, STORAGE)), Ok(STORAGE));
    // Crypto answers in storage's name.
    assert_eq!(
        s.direct_resp(CRYPTO, &req(STORAGE, HOST)),
        Err(Error::InvalidParameters)
    );
    assert_eq!(s.direct_resp(STORAGE, &req(STORAGE, HOST)), Ok(HOST));
    // And memory in another's name is not another's to send.
    s.add_region(STORAGE, 7).unwrap();
    assert_eq!(
        s.mem_send(HOST, Kind::Share, 7, &[CRYPTO]),
        Err(Error::Denied)
    );
}

#[test]
fn lending_takes_the_lenders_access_until_it_reclaims() {
    let mut s = spmc();
    s.add_region(HOST, 1).unwrap();
    let (h, ch) = s.mem_send(HOST, Kind::Lend, 1, &[STORAGE]).unwrap();
    assert_eq!(ch, vec![Access::Revoke(HOST, 1)]);
    assert_eq!(s.region(1), Some((HOST, false)));
    // Not the lender's to send again, nor anyone else's to take.
    assert_eq!(
        s.mem_send(HOST, Kind::Share, 1, &[CRYPTO]),
        Err(Error::Denied)
    );
    assert_eq!(s.mem_retrieve(CRYPTO, h), Err(Error::Denied));
    assert_eq!(
        s.mem_retrieve(STORAGE, h),
        Ok(vec![Access::Grant(STORAGE, 1)])
    );
    assert_eq!(s.mem_retrieve(STORAGE, h), Err(Error::Denied), "once");
    // No reclaim while borrowed.
    assert_eq!(s.mem_reclaim(HOST, h), Err(Error::Denied));
    assert_eq!(
        s.mem_reclaim(STORAGE, h),
        Err(Error::Denied),
        "the owner's only"
    );
    assert_eq!(s.mem_relinquish(CRYPTO, h), Err(Error::Denied));
    assert_eq!(
        s.mem_relinquish(STORAGE, h),
        Ok(vec![Access::Revoke(STORAGE, 1)])
    );
    assert_eq!(s.mem_reclaim(HOST, h), Ok(vec![Access::Grant(HOST, 1)]));
    assert_eq!(s.region(1), Some((HOST, true)));
    assert_eq!(
        s.mem_reclaim(HOST, h),
        Err(Error::InvalidParameters),
        "over"
    );
}

#[test]
fn sharing_keeps_the_owners_access_and_donating_gives_the_region_away_for_good() {
    let mut s = spmc();
    s.add_region(HOST, 1).unwrap();
    let (h, ch) = s
        .mem_send(HOST, Kind::Share, 1, &[STORAGE, CRYPTO])
        .unwrap();
    assert!(ch.is_empty(), "a sharer keeps its access");
    assert_eq!(s.region(1), Some((HOST, true)));
    s.mem_retrieve(STORAGE, h).unwrap();
    s.mem_retrieve(CRYPTO, h).unwrap();
    s.mem_relinquish(STORAGE, h).unwrap();
    assert_eq!(
        s.mem_reclaim(HOST, h),
        Err(Error::Denied),
        "crypto still has it"
    );
    s.mem_relinquish(CRYPTO, h).unwrap();
    assert_eq!(s.mem_reclaim(HOST, h), Ok(vec![]));

    s.add_region(HOST, 2).unwrap();
    assert_eq!(
        s.mem_send(HOST, Kind::Donate, 2, &[STORAGE, CRYPTO]),
        Err(Error::InvalidParameters),
        "one receiver"
    );
    let (h, ch) = s.mem_send(HOST, Kind::Donate, 2, &[STORAGE]).unwrap();
    assert_eq!(ch, vec![Access::Revoke(HOST, 2)]);
    assert_eq!(
        s.mem_retrieve(STORAGE, h),
        Ok(vec![Access::Grant(STORAGE, 2)])
    );
    assert_eq!(s.region(2), Some((STORAGE, true)));
    assert_eq!(
        s.mem_reclaim(HOST, h),
        Err(Error::InvalidParameters),
        "gone for good"
    );
    assert_eq!(
        s.mem_send(HOST, Kind::Lend, 2, &[STORAGE]),
        Err(Error::Denied)
    );
    // The new owner may send it on (to its peers).
    assert!(s.mem_send(STORAGE, Kind::Lend, 2, &[CRYPTO]).is_ok());
    // A donation not yet retrieved can be taken back.
    s.add_region(HOST, 3).unwrap();
    let (h, _) = s.mem_send(HOST, Kind::Donate, 3, &[CRYPTO]).unwrap();
    assert_eq!(s.mem_reclaim(HOST, h), Ok(vec![Access::Grant(HOST, 3)]));
}

#[test]
fn memory_goes_only_to_declared_peers_and_is_never_sent_twice() {
    let mut s = spmc();
    s.add_region(CRYPTO, 1).unwrap();
    assert_eq!(
        s.mem_send(CRYPTO, Kind::Share, 1, &[STORAGE]),
        Err(Error::Denied)
    );
    assert_eq!(
        s.mem_send(CRYPTO, Kind::Share, 1, &[]),
        Err(Error::InvalidParameters)
    );
    assert_eq!(
        s.mem_send(CRYPTO, Kind::Share, 1, &[CRYPTO]),
        Err(Error::InvalidParameters)
    );
    assert_eq!(
        s.mem_send(CRYPTO, Kind::Share, 1, &[HOST, HOST]),
        Err(Error::InvalidParameters)
    );
    s.mem_send(CRYPTO, Kind::Share, 1, &[HOST]).unwrap();
    assert_eq!(
        s.mem_send(CRYPTO, Kind::Share, 1, &[HOST]),
        Err(Error::Denied)
    );
    assert_eq!(
        s.add_region(HOST, 1),
        Err(Error::InvalidParameters),
        "one owner"
    );
}

#[test]
fn a_partition_that_dies_unwinds_and_starts_again_under_its_id() {
    let mut s = spmc();
    s.add_region(HOST, 1).unwrap();
    let (h, _) = s.mem_send(HOST, Kind::Lend, 1, &[STORAGE]).unwrap();
    s.mem_retrieve(STORAGE, h).unwrap();
    s.direct_req(HOST, &req(HOST, STORAGE)).unwrap();
    // Storage dies in the middle of the host's request, holding the region.
    let (aborted, ch) = s.partition_died(STORAGE);
    assert_eq!(aborted, vec![HOST], "the host's request ends (ABORTED)");
    assert_eq!(ch, vec![Access::Revoke(STORAGE, 1)]);
    assert_eq!(s.direct_req(HOST, &req(HOST, STORAGE)), Err(Error::Aborted));
    assert_eq!(s.mem_retrieve(STORAGE, h), Err(Error::Aborted));
    // The lender gets its memory back.
    assert_eq!(s.mem_reclaim(HOST, h), Ok(vec![Access::Grant(HOST, 1)]));
    // Restarted, under the same ID, with nothing pending.
    s.started(STORAGE).unwrap();
    assert_eq!(s.direct_req(HOST, &req(HOST, STORAGE)), Ok(STORAGE));
    assert_eq!(s.direct_resp(STORAGE, &req(STORAGE, HOST)), Ok(HOST));
    // A requester that dies: the receiver's answer has nowhere to go.
    s.direct_req(HOST, &req(HOST, CRYPTO)).unwrap();
    let (aborted, _) = s.partition_died(HOST);
    assert!(aborted.is_empty());
    assert_eq!(
        s.direct_resp(CRYPTO, &req(CRYPTO, HOST)),
        Err(Error::Denied)
    );
}
