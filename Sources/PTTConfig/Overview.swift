// PTTConfig: configuration files and their errors.
//
// Holds: the TOML subset the config files use (`TOML`, `TOMLTable`), the settings of the
// client's commands (`ClientConfig`), and `ConfigError`, which names where a refused value
// came from (a flag, a `PTT_*` variable, a file and line).
//
// Imports: the standard library and `PTTProtocol`. Reading files and the environment is the
// shells' work: this module takes their text.
//
// Threads: value types and pure functions; safe from any thread.
