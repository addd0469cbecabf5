// Throwaway TLS material for tests: a self-signed certificate (usable as its own CA) with the
// names it is valid for, generated in memory with OpenSSL.
#pragma once

#include <string>
#include <vector>

namespace herald::test {

struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

/// An EC P-256 key and a certificate valid for a day, subject CN = the first name, subject
/// alternative names DNS:`dns_names`... and IP:`ips`..., basicConstraints CA:TRUE.
TestCertificate make_test_certificate(const std::vector<std::string>& dns_names,
                                      const std::vector<std::string>& ips);

}  // namespace herald::test
