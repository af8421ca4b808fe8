//! Tests of the file, directory and path calls.
