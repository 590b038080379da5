//! `vmargs cluster`: will these nodes form one cluster? Each node is read the way
//! `vmargs boot` reads it (a vm.args file, a release, a `vmargs.boot` document),
//! its `-config` files for `kernel`'s settings ([`config`]), and every ordered pair
//! is judged by what erl does when one node dials another ([`pairs`]).

pub mod command;
pub mod config;
pub mod doc;
pub mod hosts;
pub mod node;
pub mod pairs;

pub use node::ClusterNode;
