// `oms`: the operator's command line (apps/oms/cli_*.cpp) and the scenario demo (`oms demo`).
#include "apps/oms/cli_commands.hpp"

int main(int argc, char** argv) { return oms::cli::run_cli(argc, argv); }
