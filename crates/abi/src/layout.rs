//! How a guest structure is declared: one field list per type ([`guest_struct!`]), from
//! which the `#[repr(C)]` struct, its size, its compile-time layout checks and its
//! little-endian encoder and decoder are all generated, so an offset is written once.
//!
//! [`Wire`] is the per-field codec: the integers, `bool` (one byte, 0 or 1), byte arrays,
//! and every generated struct (so structs nest).

/// A value with a fixed little-endian image in guest memory of [`Wire::SIZE`] bytes, the
/// same as its Rust size (the generated layout checks assert that for every field).
pub trait Wire: Sized {
    /// Bytes in guest memory.
    const SIZE: usize;

    /// Writes the image into the first `SIZE` bytes of `out`; padding inside a struct is
    /// written as zero. `out` shorter than `SIZE` is a caller bug and panics (sizes are
    /// constants, never guest input).
    fn put(&self, out: &mut [u8]);

    /// Decodes the first `SIZE` bytes of `b`: `None` when `b` is shorter or holds a value
    /// the ABI does not define (a bad tag, enum or boolean byte). Padding is ignored.
    fn take(b: &[u8]) -> Option<Self>;
}

macro_rules! wire_int {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const SIZE: usize = core::mem::size_of::<$t>();

            fn put(&self, out: &mut [u8]) {
                out[..Self::SIZE].copy_from_slice(&self.to_le_bytes());
            }

            fn take(b: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(b.get(..Self::SIZE)?.try_into().ok()?))
            }
        }
    )*};
}

wire_int!(u8, u16, u32, u64, i32, i64);

/// A WASI boolean: one byte, 0 or 1 (anything else does not decode).
impl Wire for bool {
    const SIZE: usize = 1;

    fn put(&self, out: &mut [u8]) {
        out[0] = u8::from(*self);
    }

    fn take(b: &[u8]) -> Option<Self> {
        match b.first()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// An array: its elements one after another (as in C).
impl<T: Wire + Copy + Default, const N: usize> Wire for [T; N] {
    const SIZE: usize = T::SIZE * N;

    fn put(&self, out: &mut [u8]) {
        for (v, at) in self.iter().zip((0..).step_by(T::SIZE)) {
            v.put(&mut out[at..]);
        }
    }

    fn take(b: &[u8]) -> Option<Self> {
        let mut out = [T::default(); N];
        for (v, at) in out.iter_mut().zip((0..).step_by(T::SIZE)) {
            *v = T::take(b.get(at..)?)?;
        }
        Some(out)
    }
}

/// Declares a guest structure from one field list:
///
/// ```text
/// guest_struct! {
///     /// doc
///     pub struct OptionFd: size 8, align 4 {
///         /// doc
///         @0 pub tag: u8 where 0..=option_tag::SOME,
///         @4 pub fd: u32,
///     }
/// }
/// ```
///
/// Each field is `@offset visibility name: type`, in order, optionally followed by
/// `where PATTERN`: the values `from_bytes` accepts (any other gives `None`). Generated:
/// the `#[repr(C)]` struct (deriving Debug, Clone, Copy, PartialEq, Eq, Default), compile-time
/// assertions that its size, alignment and every field offset equal the documented numbers
/// and that every field's image is exactly its Rust size (so the struct in memory and the
/// byte image agree and no two fields overlap), `SIZE`, `to_bytes`, `write_to`,
/// `from_bytes`, and a [`Wire`] impl so the type can be a field of another.
macro_rules! guest_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: size $size:literal, align $align:literal {
            $(
                $(#[$fmeta:meta])*
                @$off:literal $fvis:vis $field:ident: $fty:ty $(where $valid:pat)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[repr(C)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $name {
            $($(#[$fmeta])* $fvis $field: $fty,)*
        }

        const _: () = {
            assert!(core::mem::size_of::<$name>() == $size);
            assert!(core::mem::align_of::<$name>() == $align);
            $(
                assert!(core::mem::offset_of!($name, $field) == $off);
                assert!(<$fty as $crate::layout::Wire>::SIZE == core::mem::size_of::<$fty>());
            )*
        };

        impl $name {
            /// Bytes in guest memory.
            pub const SIZE: usize = $size;

            /// The guest-memory image: every field little-endian at its offset, padding
            /// zero.
            pub fn to_bytes(self) -> [u8; $size] {
                let mut b = [0; $size];
                self.write_to(&mut b);
                b
            }

            /// Writes the image (as [`Self::to_bytes`]) into `out`.
            pub fn write_to(&self, out: &mut [u8; $size]) {
                $crate::layout::Wire::put(self, out);
            }

            /// Decodes an image; `None` when a field holds a value the ABI does not
            /// define. Padding bytes are ignored.
            pub fn from_bytes(b: &[u8; $size]) -> Option<Self> {
                $crate::layout::Wire::take(b)
            }
        }

        impl $crate::layout::Wire for $name {
            const SIZE: usize = $size;

            fn put(&self, out: &mut [u8]) {
                let out = &mut out[..$size];
                out.fill(0);
                $(
                    $crate::layout::Wire::put(
                        &self.$field,
                        &mut out[$off..$off + <$fty as $crate::layout::Wire>::SIZE],
                    );
                )*
            }

            fn take(b: &[u8]) -> Option<Self> {
                let b = b.get(..$size)?;
                $(
                    let $field = <$fty as $crate::layout::Wire>::take(&b[$off..])?;
                    $(if !matches!($field, $valid) {
                        return None;
                    })?
                )*
                Some(Self { $($field),* })
            }
        }
    };
}

pub(crate) use guest_struct;

#[cfg(test)]
mod tests {
    use super::*;

    guest_struct! {
        /// A test type with padding, a nested struct, a bool and a checked field.
        pub struct Inner: size 4, align 2 {
            @0 pub a: u8 where 0..=3,
            @2 pub b: u16,
        }
    }

    guest_struct! {
        pub struct Outer: size 16, align 8 {
            @0 pub flag: bool,
            @2 pub inner: Inner,
            @8 pub big: u64,
        }
    }

    #[test]
    fn encodes_nested_little_endian_with_zero_padding() {
        let v = Outer {
            flag: true,
            inner: Inner { a: 3, b: 0x0102 },
            big: 0x0807_0605_0403_0201,
        };
        let image = [1, 0, 3, 0, 2, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!((Inner::SIZE, Outer::SIZE), (4, 16));
        assert_eq!(v.inner.to_bytes(), image[2..6]);
        assert_eq!(Inner::from_bytes(&[3, 9, 2, 1]), Some(v.inner));
        let mut out = [0xee; 4];
        v.inner.write_to(&mut out);
        assert_eq!(out, [3, 0, 2, 1]);
        assert_eq!(v.to_bytes(), image);
        assert_eq!(Outer::from_bytes(&image), Some(v));
        // Padding is ignored on input and written back as zero.
        let mut padded = image;
        padded[1] = 0xaa;
        padded[3] = 0xbb;
        padded[6] = 0xcc;
        assert_eq!(Outer::from_bytes(&padded), Some(v));
        // A short slice or an invalid field does not decode.
        assert_eq!(<Outer as Wire>::take(&image[..15]), None);
        let mut bad = image;
        bad[2] = 4;
        assert_eq!(Outer::from_bytes(&bad), None);
        bad = image;
        bad[0] = 2;
        assert_eq!(Outer::from_bytes(&bad), None);
    }

    #[test]
    fn primitives() {
        let mut b = [0xffu8; 9];
        (-2i32).put(&mut b);
        assert_eq!(b[..5], [0xfe, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(i32::take(&b), Some(-2));
        assert_eq!(u64::take(&b[..7]), None);
        [9u8, 8].put(&mut b[1..]);
        assert_eq!(<[u8; 2]>::take(&b[1..]), Some([9, 8]));
        [0x0102u16, 0x0304].put(&mut b);
        assert_eq!(b[..4], [2, 1, 4, 3]);
        assert_eq!(<[u16; 2]>::take(&b), Some([0x0102, 0x0304]));
        assert_eq!(<[u16; 2]>::take(&b[..3]), None);
    }
}
