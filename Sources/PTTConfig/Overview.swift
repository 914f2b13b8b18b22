// PTTConfig: configuration files and their errors.
//
// Holds: the TOML subset the config files use (`TOML`, `TOMLTable`); where a value came from
// (`ConfigSource`: a flag, an environment variable, a file and line) and a value with it
// (`Setting`); raw values by key, each with its source (`ConfigTable`: a file, the environment
// or typed flags, read once, layered by precedence); the settings of the client's commands
// (`ClientConfig`); and `ConfigError`, whose message names the source of a refused value.
//
// Imports: the standard library and `PTTProtocol`. Reading files and the environment is the
// shells' work: this module takes their text.
//
// Threads: value types and pure functions; safe from any thread.
