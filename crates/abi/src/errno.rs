//! WASI errno values (u16, WASI preview1 numbering — not Linux's).
//!
//! Every syscall handler in the kernel returns `Result<T, Errno>`; the boundary writes
//! [`Errno::raw`] back to the guest exactly once.

/// A WASI error number. `Success` exists only so the full ABI range round-trips.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Errno {
    /// `success`
    Success = 0,
    /// `2big`
    TooBig = 1,
    /// `acces`
    Acces = 2,
    /// `addrinuse`
    AddrInUse = 3,
    /// `addrnotavail`
    AddrNotAvail = 4,
    /// `afnosupport`
    AfNoSupport = 5,
    /// `again`
    Again = 6,
    /// `already`
    Already = 7,
    /// `badf`
    BadF = 8,
    /// `badmsg`
    BadMsg = 9,
    /// `busy`
    Busy = 10,
    /// `canceled`
    Canceled = 11,
    /// `child`
    Child = 12,
    /// `connaborted`
    ConnAborted = 13,
    /// `connrefused`
    ConnRefused = 14,
    /// `connreset`
    ConnReset = 15,
    /// `deadlk`
    DeadLk = 16,
    /// `destaddrreq`
    DestAddrReq = 17,
    /// `dom`
    Dom = 18,
    /// `dquot`
    DQuot = 19,
    /// `exist`
    Exist = 20,
    /// `fault`
    Fault = 21,
    /// `fbig`
    FBig = 22,
    /// `hostunreach`
    HostUnreach = 23,
    /// `idrm`
    IdRm = 24,
    /// `ilseq`
    IlSeq = 25,
    /// `inprogress`
    InProgress = 26,
    /// `intr`
    Intr = 27,
    /// `inval`
    Inval = 28,
    /// `io`
    Io = 29,
    /// `isconn`
    IsConn = 30,
    /// `isdir`
    IsDir = 31,
    /// `loop`
    Loop = 32,
    /// `mfile`
    MFile = 33,
    /// `mlink`
    MLink = 34,
    /// `msgsize`
    MsgSize = 35,
    /// `multihop`
    Multihop = 36,
    /// `nametoolong`
    NameTooLong = 37,
    /// `netdown`
    NetDown = 38,
    /// `netreset`
    NetReset = 39,
    /// `netunreach`
    NetUnreach = 40,
    /// `nfile`
    NFile = 41,
    /// `nobufs`
    NoBufs = 42,
    /// `nodev`
    NoDev = 43,
    /// `noent`
    NoEnt = 44,
    /// `noexec`
    NoExec = 45,
    /// `nolck`
    NoLck = 46,
    /// `nolink`
    NoLink = 47,
    /// `nomem`
    NoMem = 48,
    /// `nomsg`
    NoMsg = 49,
    /// `noprotoopt`
    NoProtoOpt = 50,
    /// `nospc`
    NoSpc = 51,
    /// `nosys`
    NoSys = 52,
    /// `notconn`
    NotConn = 53,
    /// `notdir`
    NotDir = 54,
    /// `notempty`
    NotEmpty = 55,
    /// `notrecoverable`
    NotRecoverable = 56,
    /// `notsock`
    NotSock = 57,
    /// `notsup`
    NotSup = 58,
    /// `notty`
    NotTty = 59,
    /// `nxio`
    NxIo = 60,
    /// `overflow`
    Overflow = 61,
    /// `ownerdead`
    OwnerDead = 62,
    /// `perm`
    Perm = 63,
    /// `pipe`
    Pipe = 64,
    /// `proto`
    Proto = 65,
    /// `protonosupport`
    ProtoNoSupport = 66,
    /// `prototype`
    ProtoType = 67,
    /// `range`
    Range = 68,
    /// `rofs`
    RoFs = 69,
    /// `spipe`
    SPipe = 70,
    /// `srch`
    Srch = 71,
    /// `stale`
    Stale = 72,
    /// `timedout`
    TimedOut = 73,
    /// `txtbsy`
    TxtBsy = 74,
    /// `xdev`
    XDev = 75,
    /// `notcapable`
    NotCapable = 76,
}

impl Errno {
    /// The numeric value written to guest memory or returned from a host call.
    pub const fn raw(self) -> u16 {
        self as u16
    }

    /// Decodes a raw errno, `None` for values outside the WASI table.
    pub const fn from_raw(raw: u16) -> Option<Self> {
        Some(match raw {
            0 => Errno::Success,
            1 => Errno::TooBig,
            2 => Errno::Acces,
            3 => Errno::AddrInUse,
            4 => Errno::AddrNotAvail,
            5 => Errno::AfNoSupport,
            6 => Errno::Again,
            7 => Errno::Already,
            8 => Errno::BadF,
            9 => Errno::BadMsg,
            10 => Errno::Busy,
            11 => Errno::Canceled,
            12 => Errno::Child,
            13 => Errno::ConnAborted,
            14 => Errno::ConnRefused,
            15 => Errno::ConnReset,
            16 => Errno::DeadLk,
            17 => Errno::DestAddrReq,
            18 => Errno::Dom,
            19 => Errno::DQuot,
            20 => Errno::Exist,
            21 => Errno::Fault,
            22 => Errno::FBig,
            23 => Errno::HostUnreach,
            24 => Errno::IdRm,
            25 => Errno::IlSeq,
            26 => Errno::InProgress,
            27 => Errno::Intr,
            28 => Errno::Inval,
            29 => Errno::Io,
            30 => Errno::IsConn,
            31 => Errno::IsDir,
            32 => Errno::Loop,
            33 => Errno::MFile,
            34 => Errno::MLink,
            35 => Errno::MsgSize,
            36 => Errno::Multihop,
            37 => Errno::NameTooLong,
            38 => Errno::NetDown,
            39 => Errno::NetReset,
            40 => Errno::NetUnreach,
            41 => Errno::NFile,
            42 => Errno::NoBufs,
            43 => Errno::NoDev,
            44 => Errno::NoEnt,
            45 => Errno::NoExec,
            46 => Errno::NoLck,
            47 => Errno::NoLink,
            48 => Errno::NoMem,
            49 => Errno::NoMsg,
            50 => Errno::NoProtoOpt,
            51 => Errno::NoSpc,
            52 => Errno::NoSys,
            53 => Errno::NotConn,
            54 => Errno::NotDir,
            55 => Errno::NotEmpty,
            56 => Errno::NotRecoverable,
            57 => Errno::NotSock,
            58 => Errno::NotSup,
            59 => Errno::NotTty,
            60 => Errno::NxIo,
            61 => Errno::Overflow,
            62 => Errno::OwnerDead,
            63 => Errno::Perm,
            64 => Errno::Pipe,
            65 => Errno::Proto,
            66 => Errno::ProtoNoSupport,
            67 => Errno::ProtoType,
            68 => Errno::Range,
            69 => Errno::RoFs,
            70 => Errno::SPipe,
            71 => Errno::Srch,
            72 => Errno::Stale,
            73 => Errno::TimedOut,
            74 => Errno::TxtBsy,
            75 => Errno::XDev,
            76 => Errno::NotCapable,
            _ => return None,
        })
    }

    /// The lower-case WASI name (`"noent"`), as used in logs and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Errno::Success => "success",
            Errno::TooBig => "2big",
            Errno::Acces => "acces",
            Errno::AddrInUse => "addrinuse",
            Errno::AddrNotAvail => "addrnotavail",
            Errno::AfNoSupport => "afnosupport",
            Errno::Again => "again",
            Errno::Already => "already",
            Errno::BadF => "badf",
            Errno::BadMsg => "badmsg",
            Errno::Busy => "busy",
            Errno::Canceled => "canceled",
            Errno::Child => "child",
            Errno::ConnAborted => "connaborted",
            Errno::ConnRefused => "connrefused",
            Errno::ConnReset => "connreset",
            Errno::DeadLk => "deadlk",
            Errno::DestAddrReq => "destaddrreq",
            Errno::Dom => "dom",
            Errno::DQuot => "dquot",
            Errno::Exist => "exist",
            Errno::Fault => "fault",
            Errno::FBig => "fbig",
            Errno::HostUnreach => "hostunreach",
            Errno::IdRm => "idrm",
            Errno::IlSeq => "ilseq",
            Errno::InProgress => "inprogress",
            Errno::Intr => "intr",
            Errno::Inval => "inval",
            Errno::Io => "io",
            Errno::IsConn => "isconn",
            Errno::IsDir => "isdir",
            Errno::Loop => "loop",
            Errno::MFile => "mfile",
            Errno::MLink => "mlink",
            Errno::MsgSize => "msgsize",
            Errno::Multihop => "multihop",
            Errno::NameTooLong => "nametoolong",
            Errno::NetDown => "netdown",
            Errno::NetReset => "netreset",
            Errno::NetUnreach => "netunreach",
            Errno::NFile => "nfile",
            Errno::NoBufs => "nobufs",
            Errno::NoDev => "nodev",
            Errno::NoEnt => "noent",
            Errno::NoExec => "noexec",
            Errno::NoLck => "nolck",
            Errno::NoLink => "nolink",
            Errno::NoMem => "nomem",
            Errno::NoMsg => "nomsg",
            Errno::NoProtoOpt => "noprotoopt",
            Errno::NoSpc => "nospc",
            Errno::NoSys => "nosys",
            Errno::NotConn => "notconn",
            Errno::NotDir => "notdir",
            Errno::NotEmpty => "notempty",
            Errno::NotRecoverable => "notrecoverable",
            Errno::NotSock => "notsock",
            Errno::NotSup => "notsup",
            Errno::NotTty => "notty",
            Errno::NxIo => "nxio",
            Errno::Overflow => "overflow",
            Errno::OwnerDead => "ownerdead",
            Errno::Perm => "perm",
            Errno::Pipe => "pipe",
            Errno::Proto => "proto",
            Errno::ProtoNoSupport => "protonosupport",
            Errno::ProtoType => "prototype",
            Errno::Range => "range",
            Errno::RoFs => "rofs",
            Errno::SPipe => "spipe",
            Errno::Srch => "srch",
            Errno::Stale => "stale",
            Errno::TimedOut => "timedout",
            Errno::TxtBsy => "txtbsy",
            Errno::XDev => "xdev",
            Errno::NotCapable => "notcapable",
        }
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} ({})", self.name(), self.raw())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_wasi_table() {
        assert_eq!(Errno::TooBig.raw(), 1);
        assert_eq!(Errno::BadF.raw(), 8);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::NoEnt.raw(), 44);
        assert_eq!(Errno::NotCapable.raw(), 76);
    }

    #[test]
    fn round_trips_every_value() {
        for raw in 0..=76u16 {
            let e = Errno::from_raw(raw).expect("every value 0..=76 is defined");
            assert_eq!(e.raw(), raw);
        }
        assert_eq!(Errno::from_raw(77), None);
    }
}
