// Digest known answers shared by the engine's unit tests
// (crates/crypto/src/tests.rs) and the through-a-TA integration tests
// (crates/cli/tests/it/digest.rs), which include! this file; both define
// the TEE_ALG_* constants it names.

// Known answers: FIPS 180-4 and FIPS 202 examples, RFC 1321 section
// A.5, GB/T 32905-2016 appendix A (generated once with Python's hashlib,
// an independent implementation, and checked against the standards).

/// A test message.
#[derive(Clone, Copy, Debug)]
enum Msg {
    Text(&'static str),
    /// A byte repeated n times.
    Repeat(u8, usize),
}

impl Msg {
    fn bytes(self) -> Vec<u8> {
        match self {
            Msg::Text(s) => s.as_bytes().to_vec(),
            Msg::Repeat(b, n) => vec![b; n],
        }
    }
}

const EMPTY: &str = "";
const ABC: &str = "abc";
/// The 448-bit message of FIPS 180-4 / FIPS 202 examples.
const M448: &str = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
/// The 896-bit message.
const M896: &str = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
/// GB/T 32905 example 2: "abcd" 16 times.
const M512: &str = "abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd";

/// (algorithm, message, output length (XOF only, else 0), digest in hex).
const VECTORS: &[(u32, Msg, usize, &str)] = &[
    (
        TEE_ALG_MD5,
        Msg::Text(""),
        0,
        "d41d8cd98f00b204e9800998ecf8427e",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text("a"),
        0,
        "0cc175b9c0f1b6a831c399e269772661",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text("abc"),
        0,
        "900150983cd24fb0d6963f7d28e17f72",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text("message digest"),
        0,
        "f96b697d7cb7938d525a2f31aaf161d0",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text("abcdefghijklmnopqrstuvwxyz"),
        0,
        "c3fcd3d76192e4007dfb496cca67e13b",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
        0,
        "d174ab98d277d9f5a5611c2c9f419d9f",
    ),
    (
        TEE_ALG_MD5,
        Msg::Text(
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        ),
        0,
        "57edf4a22be3c955ac49da2e2107b67a",
    ),
    (
        TEE_ALG_SHA1,
        Msg::Text(ABC),
        0,
        "a9993e364706816aba3e25717850c26c9cd0d89d",
    ),
    (
        TEE_ALG_SHA1,
        Msg::Text(EMPTY),
        0,
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    ),
    (
        TEE_ALG_SHA1,
        Msg::Text(M448),
        0,
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    ),
    (
        TEE_ALG_SHA1,
        Msg::Text(M896),
        0,
        "a49b2446a02c645bf419f995b67091253a04a259",
    ),
    (
        TEE_ALG_SHA1,
        Msg::Repeat(b'a', 1_000_000),
        0,
        "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
    ),
    (
        TEE_ALG_SHA224,
        Msg::Text(ABC),
        0,
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    ),
    (
        TEE_ALG_SHA224,
        Msg::Text(EMPTY),
        0,
        "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
    ),
    (
        TEE_ALG_SHA224,
        Msg::Text(M448),
        0,
        "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
    ),
    (
        TEE_ALG_SHA224,
        Msg::Text(M896),
        0,
        "c97ca9a559850ce97a04a96def6d99a9e0e0e2ab14e6b8df265fc0b3",
    ),
    (
        TEE_ALG_SHA256,
        Msg::Text(ABC),
        0,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    ),
    (
        TEE_ALG_SHA256,
        Msg::Text(EMPTY),
        0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        TEE_ALG_SHA256,
        Msg::Text(M448),
        0,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ),
    (
        TEE_ALG_SHA256,
        Msg::Text(M896),
        0,
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ),
    (
        TEE_ALG_SHA256,
        Msg::Repeat(b'a', 1_000_000),
        0,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    ),
    (
        TEE_ALG_SHA384,
        Msg::Text(ABC),
        0,
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    ),
    (
        TEE_ALG_SHA384,
        Msg::Text(EMPTY),
        0,
        "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    ),
    (
        TEE_ALG_SHA384,
        Msg::Text(M448),
        0,
        "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
    ),
    (
        TEE_ALG_SHA384,
        Msg::Text(M896),
        0,
        "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
    ),
    (
        TEE_ALG_SHA512,
        Msg::Text(ABC),
        0,
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    ),
    (
        TEE_ALG_SHA512,
        Msg::Text(EMPTY),
        0,
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    ),
    (
        TEE_ALG_SHA512,
        Msg::Text(M448),
        0,
        "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
    ),
    (
        TEE_ALG_SHA512,
        Msg::Text(M896),
        0,
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    ),
    (
        TEE_ALG_SHA3_224,
        Msg::Text(ABC),
        0,
        "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    ),
    (
        TEE_ALG_SHA3_224,
        Msg::Text(EMPTY),
        0,
        "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7",
    ),
    (
        TEE_ALG_SHA3_224,
        Msg::Text(M448),
        0,
        "8a24108b154ada21c9fd5574494479ba5c7e7ab76ef264ead0fcce33",
    ),
    (
        TEE_ALG_SHA3_224,
        Msg::Text(M896),
        0,
        "543e6868e1666c1a643630df77367ae5a62a85070a51c14cbf665cbc",
    ),
    (
        TEE_ALG_SHA3_256,
        Msg::Text(ABC),
        0,
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    ),
    (
        TEE_ALG_SHA3_256,
        Msg::Text(EMPTY),
        0,
        "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
    ),
    (
        TEE_ALG_SHA3_256,
        Msg::Text(M448),
        0,
        "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376",
    ),
    (
        TEE_ALG_SHA3_256,
        Msg::Text(M896),
        0,
        "916f6061fe879741ca6469b43971dfdb28b1a32dc36cb3254e812be27aad1d18",
    ),
    (
        TEE_ALG_SHA3_384,
        Msg::Text(ABC),
        0,
        "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
    ),
    (
        TEE_ALG_SHA3_384,
        Msg::Text(EMPTY),
        0,
        "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2ac3713831264adb47fb6bd1e058d5f004",
    ),
    (
        TEE_ALG_SHA3_384,
        Msg::Text(M448),
        0,
        "991c665755eb3a4b6bbdfb75c78a492e8c56a22c5c4d7e429bfdbc32b9d4ad5aa04a1f076e62fea19eef51acd0657c22",
    ),
    (
        TEE_ALG_SHA3_384,
        Msg::Text(M896),
        0,
        "79407d3b5916b59c3e30b09822974791c313fb9ecc849e406f23592d04f625dc8c709b98b43b3852b337216179aa7fc7",
    ),
    (
        TEE_ALG_SHA3_512,
        Msg::Text(ABC),
        0,
        "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    ),
    (
        TEE_ALG_SHA3_512,
        Msg::Text(EMPTY),
        0,
        "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a615b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
    ),
    (
        TEE_ALG_SHA3_512,
        Msg::Text(M448),
        0,
        "04a371e84ecfb5b8b77cb48610fca8182dd457ce6f326a0fd3d7ec2f1e91636dee691fbe0c985302ba1b0d8dc78c086346b533b49c030d99a27daf1139d6e75e",
    ),
    (
        TEE_ALG_SHA3_512,
        Msg::Text(M896),
        0,
        "afebb2ef542e6579c50cad06d2e578f9f8dd6881d7dc824d26360feebf18a4fa73e3261122948efcfd492e74e82e2189ed0fb440d187f382270cb455f21dd185",
    ),
    (
        TEE_ALG_SHAKE128,
        Msg::Text(EMPTY),
        512,
        "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef263cb1eea988004b93103cfb0aeefd2a686e01fa4a58e8a3639ca8a1e3f9ae57e235b8cc873c23dc62b8d260169afa2f75ab916a58d974918835d25e6a435085b2badfd6dfaac359a5efbb7bcc4b59d538df9a04302e10c8bc1cbf1a0b3a5120ea17cda7cfad765f5623474d368ccca8af0007cd9f5e4c849f167a580b14aabdefaee7eef47cb0fca9767be1fda69419dfb927e9df07348b196691abaeb580b32def58538b8d23f87732ea63b02b4fa0f4873360e2841928cd60dd4cee8cc0d4c922a96188d032675c8ac850933c7aff1533b94c834adbb69c6115bad4692d8619f90b0cdf8a7b9c264029ac185b70b83f2801f2f4b3f70c593ea3aeeb613a7f1b1de33fd75081f592305f2e4526edc09631b10958f464d889f31ba010250fda7f1368ec2967fc84ef2ae9aff268e0b1700affc6820b523a3d917135f2dff2ee06bfe72b3124721d4a26c04e53a75e30e73a7a9c4a95d91c55d495e9f51dd0b5e9d83c6d5e8ce803aa62b8d654db53d09b8dcff273cdfeb573fad8bcd45578bec2e770d01efde86e721a3f7c6cce275dabe6e2143f1af18da7efddc4c7b70b5e345db93cc936bea323491ccb38a388f546a9ff00dd4e1300b9b2153d2041d205b443e41b45a653f2a5c4492c1add544512dda2529833462b71a41a45be97290b6f",
    ),
    (
        TEE_ALG_SHAKE128,
        Msg::Repeat(0xa3, 200),
        512,
        "131ab8d2b594946b9c81333f9bb6e0ce75c3b93104fa3469d3917457385da037cf232ef7164a6d1eb448c8908186ad852d3f85a5cf28da1ab6fe3438171978467f1c05d58c7ef38c284c41f6c2221a76f12ab1c04082660250802294fb87180213fdef5b0ecb7df50ca1f8555be14d32e10f6edcde892c09424b29f597afc270c904556bfcb47a7d40778d390923642b3cbd0579e60908d5a000c1d08b98ef933f806445bf87f8b009ba9e94f7266122ed7ac24e5e266c42a82fa1bbefb7b8db0066e16a85e0493f07df4809aec084a593748ac3dde5a6d7aae1e8b6e5352b2d71efbb47d4caeed5e6d633805d2d323e6fd81b4684b93a2677d45e7421c2c6aea259b855a698fd7d13477a1fe53e5a4a6197dbec5ce95f505b520bcd9570c4a8265a7e01f89c0c002c59bfec6cd4a5c109258953ee5ee70cd577ee217af21fa70178f0946c9bf6ca8751793479f6b537737e40b6ed28511d8a2d7e73eb75f8daac912ff906e0ab955b083bac45a8e5e9b744c8506f37e9b4e749a184b30f43eb188d855f1b70d71ff3e50c537ac1b0f8974f0fe1a6ad295ba42f6aec74d123a7abedde6e2c0711cab36be5acb1a5a11a4b1db08ba6982efccd716929a7741cfc63aa4435e0b69a9063e880795c3dc5ef3272e11c497a91acf699fefee206227a44c9fb359fd56ac0a9a75a743cff6862f17d7259ab075216c0699511643b6439",
    ),
    (
        TEE_ALG_SHAKE128,
        Msg::Text(ABC),
        32,
        "5881092dd818bf5cf8a3ddb793fbcba74097d5c526a6d35f97b83351940f2cc8",
    ),
    (
        TEE_ALG_SHAKE256,
        Msg::Text(EMPTY),
        512,
        "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762fd75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be141e96616fb13957692cc7edd0b45ae3dc07223c8e92937bef84bc0eab862853349ec75546f58fb7c2775c38462c5010d846c185c15111e595522a6bcd16cf86f3d122109e3b1fdd943b6aec468a2d621a7c06c6a957c62b54dafc3be87567d677231395f6147293b68ceab7a9e0c58d864e8efde4e1b9a46cbe854713672f5caaae314ed9083dab4b099f8e300f01b8650f1f4b1d8fcf3f3cb53fb8e9eb2ea203bdc970f50ae55428a91f7f53ac266b28419c3778a15fd248d339ede785fb7f5a1aaa96d313eacc890936c173cdcd0fab882c45755feb3aed96d477ff96390bf9a66d1368b208e21f7c10d04a3dbd4e360633e5db4b602601c14cea737db3dcf722632cc77851cbdde2aaf0a33a07b373445df490cc8fc1e4160ff118378f11f0477de055a81a9eda57a4a2cfb0c83929d310912f729ec6cfa36c6ac6a75837143045d791cc85eff5b21932f23861bcf23a52b5da67eaf7baae0f5fb1369db78f3ac45f8c4ac5671d85735cdddb09d2b1e34a1fc066ff4a162cb263d6541274ae2fcc865f618abe27c124cd8b074ccd516301b91875824d09958f341ef274bdab0bae316339894304e35877b0c28a9b1fd166c796b9cc258a064a8f57e27f2a",
    ),
    (
        TEE_ALG_SHAKE256,
        Msg::Repeat(0xa3, 200),
        512,
        "cd8a920ed141aa0407a22d59288652e9d9f1a7ee0c1e7c1ca699424da84a904d2d700caae7396ece96604440577da4f3aa22aeb8857f961c4cd8e06f0ae6610b1048a7f64e1074cd629e85ad7566048efc4fb500b486a3309a8f26724c0ed628001a1099422468de726f1061d99eb9e93604d5aa7467d4b1bd6484582a384317d7f47d750b8f5499512bb85a226c4243556e696f6bd072c5aa2d9b69730244b56853d16970ad817e213e470618178001c9fb56c54fefa5fee67d2da524bb3b0b61ef0e9114a92cdbb6cccb98615cfe76e3510dd88d1cc28ff99287512f24bfafa1a76877b6f37198e3a641c68a7c42d45fa7acc10dae5f3cefb7b735f12d4e589f7a456e78c0f5e4c4471fffa5e4fa0514ae974d8c2648513b5db494cea847156d277ad0e141c24c7839064cd08851bc2e7ca109fd4e251c35bb0a04fb05b364ff8c4d8b59bc303e25328c09a882e952518e1a8ae0ff265d61c465896973d7490499dc639fb8502b39456791b1b6ec5bcc5d9ac36a6df622a070d43fed781f5f149f7b62675e7d1a4d6dec48c1c7164586eae06a51208c0b791244d307726505c3ad4b26b6822377257aa152037560a739714a3ca79bd605547c9b78dd1f596f2d4f1791bc689a0e9b799a37339c04275733740143ef5d2b58b96a363d4e08076a1a9d7846436e4dca5728b6f760eef0ca92bf0be5615e96959d767197a0beeb",
    ),
    (
        TEE_ALG_SHAKE256,
        Msg::Text(ABC),
        64,
        "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739d5a15bef186a5386c75744c0527e1faa9f8726e462a12a4feb06bd8801e751e4",
    ),
    (
        TEE_ALG_SM3,
        Msg::Text(ABC),
        0,
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
    ),
    (
        TEE_ALG_SM3,
        Msg::Text(M512),
        0,
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
    ),
    (
        TEE_ALG_SM3,
        Msg::Text(EMPTY),
        0,
        "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b",
    ),
];
