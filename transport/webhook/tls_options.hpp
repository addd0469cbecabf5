// Client TLS settings of an outgoing proxy connection (https:// endpoints, TLS gRPC channels),
// the part of the config's `tls` object a client needs. Plain C++.
#pragma once

#include <string>

namespace herald {

struct TlsClientOptions {
  /// Certificate authorities trusted for the server's certificate, PEM text or a path to a PEM
  /// file (the text wins when both are set). Neither: the system's trust store.
  std::string ca_pem;
  std::string ca_pem_file;
  /// Client certificate chain and private key for mutual TLS, PEM text or files. Both or
  /// neither.
  std::string cert_pem;
  std::string cert_pem_file;
  std::string key_pem;
  std::string key_pem_file;
  /// The name sent as SNI and checked against the certificate; "" = the endpoint's host.
  std::string server_name;
  /// Accept any certificate (tests only: anyone on the path can read and change the events).
  bool insecure_skip_verify = false;
};

/// PEM text of one option: `text` if set, else the contents of `file` ("" when both are
/// empty). False, with `*error` set, when the file cannot be read.
bool load_pem(const std::string& text, const std::string& file, std::string& out,
              std::string* error);

}  // namespace herald
