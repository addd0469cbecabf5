# Finds the Debian packages Herald builds on and exposes them as imported targets.
# Each lookup says why it looks the way it does (Debian 12 ships CAF without CMake files,
# hiredis with an include path that shadows common names, ...).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# CAF 0.17 ships neither a CMake config nor a .pc file.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
add_library(caf::core UNKNOWN IMPORTED)
set_target_properties(caf::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIBRARY}
                                           INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR})

# Boost.Beast/Asio are header-only; boost_system for error categories.
find_package(Boost 1.74 REQUIRED COMPONENTS system)

pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
find_package(msgpack CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
