"""Conan 2 recipe for awsmp.

Kept conventional so that it works with any Conan 2 client; CI cannot install Conan here, so
tests/package/ proves the same install tree with plain CMake (find_package(awsmp CONFIG)).
"""
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class AwsmpConan(ConanFile):
    name = "awsmp"
    version = "0.1.0"
    license = "Proprietary"
    description = "AWS Marketplace metering, entitlements and SigV4 for C++20 coroutines on Boost.Asio"
    topics = ("aws", "marketplace", "metering", "sigv4", "asio", "coroutines")
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}

    def export_sources(self):
        # The recipe lives in conan/, the sources one level up. Conan 2 rejects export patterns
        # that start with "..", so copy from the repository root explicitly.
        root = os.path.join(self.recipe_folder, "..")
        for pattern in ("CMakeLists.txt", "cmake/*", "include/*", "src/*", "LICENSE*"):
            copy(self, pattern, src=root, dst=self.export_sources_folder)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Public headers include Boost.Asio/Beast/JSON and the library calls OpenSSL and SQLite.
        self.requires("boost/[>=1.81.0 <2]", transitive_headers=True)
        self.requires("openssl/[>=3.0 <4]")
        self.requires("sqlite3/[>=3.40 <4]")

    def validate(self):
        from conan.tools.build import check_min_cppstd
        check_min_cppstd(self, 20)
        # GCC before 13 destroys temporaries inside a co_await expression twice: warn, with the
        # rule (the CMake build module below repeats it at the consumer's configure time).
        if self.settings.compiler == "gcc" and int(str(self.settings.compiler.version).split(".")[0]) < 13:
            self.output.warning(
                "awsmp: GCC < 13 destroys temporaries created inside a co_await expression twice. "
                "Never build an argument inside co_await; name it first "
                "(auto e = awsmp::entitlement{...}; co_await store.put(std::move(e));), "
                "or use clang or g++ >= 13.")

    def generate(self):
        tc = CMakeToolchain(self)
        for flag in ("TESTS", "EXAMPLES", "BENCHMARKS", "TOOLS"):
            tc.cache_variables[f"AWSMP_BUILD_{flag}"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "awsmp")
        core = self.cpp_info.components["awsmp"]
        core.set_property("cmake_target_name", "awsmp::awsmp")
        core.libs = ["awsmp"]
        # CMakeDeps writes its own config file: the GCC < 13 warning comes in as a build module.
        core.set_property("cmake_build_modules", [os.path.join("lib", "cmake", "awsmp", "awsmp_gcc_check.cmake")])
        core.requires = ["boost::headers", "boost::json", "boost::url", "openssl::ssl",
                         "openssl::crypto", "sqlite3::sqlite3"]
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]
        testing = self.cpp_info.components["testing"]
        testing.set_property("cmake_target_name", "awsmp::testing")
        testing.libs = ["awsmp_testing"]
        testing.requires = ["awsmp"]
