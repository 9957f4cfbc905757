//! Legacy (v1) observation and trace objects: written in milestone 3.
