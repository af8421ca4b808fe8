//! WASI errno values (u16, WASI preview1 numbering — not Linux's).
//!
//! Every syscall handler in the kernel returns `Result<T, Errno>`; the boundary writes
//! [`Errno::raw`] back to the guest exactly once. The table below is the only place the
//! numbers are written: it generates the enum, [`Errno::from_raw`], [`Errno::name`] and
//! the plain `u16` constants of [`raw`] (for guests, which handle the number itself).

/// Declares the errno table: `Variant = value, "wasi name", RAW_CONSTANT;` per line.
macro_rules! errnos {
    ($($variant:ident = $n:literal, $name:literal, $raw:ident;)*) => {
        /// A WASI error number. `Success` exists only so the full ABI range round-trips.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Errno {
            $(#[doc = concat!("`", $name, "`")] $variant = $n,)*
        }

        impl Errno {
            /// Decodes a raw errno, `None` for values outside the WASI table.
            pub const fn from_raw(raw: u16) -> Option<Self> {
                Some(match raw {
                    $($n => Errno::$variant,)*
                    _ => return None,
                })
            }

            /// The lower-case WASI name (`"noent"`), as used in logs and messages.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Errno::$variant => $name,)*
                }
            }
        }

        /// The errno values as plain `u16`s, by upper-case WASI name (`2big` is `TOOBIG`).
        pub mod raw {
            $(#[doc = concat!("`", $name, "`")] pub const $raw: u16 = $n;)*
        }
    };
}

errnos! {
    Success = 0, "success", SUCCESS;
    TooBig = 1, "2big", TOOBIG;
    Acces = 2, "acces", ACCES;
    AddrInUse = 3, "addrinuse", ADDRINUSE;
    AddrNotAvail = 4, "addrnotavail", ADDRNOTAVAIL;
    AfNoSupport = 5, "afnosupport", AFNOSUPPORT;
    Again = 6, "again", AGAIN;
    Already = 7, "already", ALREADY;
    BadF = 8, "badf", BADF;
    BadMsg = 9, "badmsg", BADMSG;
    Busy = 10, "busy", BUSY;
    Canceled = 11, "canceled", CANCELED;
    Child = 12, "child", CHILD;
    ConnAborted = 13, "connaborted", CONNABORTED;
    ConnRefused = 14, "connrefused", CONNREFUSED;
    ConnReset = 15, "connreset", CONNRESET;
    DeadLk = 16, "deadlk", DEADLK;
    DestAddrReq = 17, "destaddrreq", DESTADDRREQ;
    Dom = 18, "dom", DOM;
    DQuot = 19, "dquot", DQUOT;
    Exist = 20, "exist", EXIST;
    Fault = 21, "fault", FAULT;
    FBig = 22, "fbig", FBIG;
    HostUnreach = 23, "hostunreach", HOSTUNREACH;
    IdRm = 24, "idrm", IDRM;
    IlSeq = 25, "ilseq", ILSEQ;
    InProgress = 26, "inprogress", INPROGRESS;
    Intr = 27, "intr", INTR;
    Inval = 28, "inval", INVAL;
    Io = 29, "io", IO;
    IsConn = 30, "isconn", ISCONN;
    IsDir = 31, "isdir", ISDIR;
    Loop = 32, "loop", LOOP;
    MFile = 33, "mfile", MFILE;
    MLink = 34, "mlink", MLINK;
    MsgSize = 35, "msgsize", MSGSIZE;
    Multihop = 36, "multihop", MULTIHOP;
    NameTooLong = 37, "nametoolong", NAMETOOLONG;
    NetDown = 38, "netdown", NETDOWN;
    NetReset = 39, "netreset", NETRESET;
    NetUnreach = 40, "netunreach", NETUNREACH;
    NFile = 41, "nfile", NFILE;
    NoBufs = 42, "nobufs", NOBUFS;
    NoDev = 43, "nodev", NODEV;
    NoEnt = 44, "noent", NOENT;
    NoExec = 45, "noexec", NOEXEC;
    NoLck = 46, "nolck", NOLCK;
    NoLink = 47, "nolink", NOLINK;
    NoMem = 48, "nomem", NOMEM;
    NoMsg = 49, "nomsg", NOMSG;
    NoProtoOpt = 50, "noprotoopt", NOPROTOOPT;
    NoSpc = 51, "nospc", NOSPC;
    NoSys = 52, "nosys", NOSYS;
    NotConn = 53, "notconn", NOTCONN;
    NotDir = 54, "notdir", NOTDIR;
    NotEmpty = 55, "notempty", NOTEMPTY;
    NotRecoverable = 56, "notrecoverable", NOTRECOVERABLE;
    NotSock = 57, "notsock", NOTSOCK;
    NotSup = 58, "notsup", NOTSUP;
    NotTty = 59, "notty", NOTTY;
    NxIo = 60, "nxio", NXIO;
    Overflow = 61, "overflow", OVERFLOW;
    OwnerDead = 62, "ownerdead", OWNERDEAD;
    Perm = 63, "perm", PERM;
    Pipe = 64, "pipe", PIPE;
    Proto = 65, "proto", PROTO;
    ProtoNoSupport = 66, "protonosupport", PROTONOSUPPORT;
    ProtoType = 67, "prototype", PROTOTYPE;
    Range = 68, "range", RANGE;
    RoFs = 69, "rofs", ROFS;
    SPipe = 70, "spipe", SPIPE;
    Srch = 71, "srch", SRCH;
    Stale = 72, "stale", STALE;
    TimedOut = 73, "timedout", TIMEDOUT;
    TxtBsy = 74, "txtbsy", TXTBSY;
    XDev = 75, "xdev", XDEV;
    NotCapable = 76, "notcapable", NOTCAPABLE;
}

impl Errno {
    /// The numeric value written to guest memory or returned from a host call.
    pub const fn raw(self) -> u16 {
        self as u16
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

    #[test]
    fn names_and_raw_constants() {
        assert_eq!(Errno::TooBig.name(), "2big");
        assert_eq!(Errno::NoEnt.to_string(), "noent (44)");
        assert_eq!([raw::SUCCESS, raw::TOOBIG, raw::BADF], [0, 1, 8]);
        assert_eq!([raw::NOENT, raw::NOTCAPABLE], [44, 76]);
        for v in 0..=76u16 {
            assert!(!Errno::from_raw(v).unwrap().name().is_empty());
        }
    }
}
