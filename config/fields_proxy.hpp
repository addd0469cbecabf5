// Key table of the TLS and proxy structs (see fields.hpp).
#pragma once

#include "config/config_proxy.hpp"
#include "config/fields_base.hpp"

namespace herald {

template <ConfigOf<TlsConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("cert_pem", c.cert_pem, kFieldPlain);
  v("cert_pem_file", c.cert_pem_file, kFieldPlain);
  v("key_pem", c.key_pem, kFieldPlain);
  v("key_pem_file", c.key_pem_file, kFieldPlain);
  v("server_ca_pem", c.server_ca_pem, kFieldPlain);
  v("server_ca_pem_file", c.server_ca_pem_file, kFieldPlain);
  v("client_ca_pem", c.client_ca_pem, kFieldPlain);
  v("client_ca_pem_file", c.client_ca_pem_file, kFieldPlain);
  v("insecure_skip_verify", c.insecure_skip_verify, kFieldPlain);
  v("server_name", c.server_name, kFieldPlain);
}

template <ConfigOf<TransformErrorConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("code", c.code, kFieldPlain);
  v("message", c.message, kFieldPlain);
  v("temporary", c.temporary, kFieldPlain);
}

template <ConfigOf<TransformDisconnectConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("code", c.code, kFieldPlain);
  v("reason", c.reason, kFieldPlain);
}

template <ConfigOf<StatusToCodeTransformConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("status_code", c.status_code, kFieldPlain);
  v("to_error", c.to_error, kFieldPlain);
  v("to_disconnect", c.to_disconnect, kFieldPlain);
}

template <ConfigOf<ProxyHttpConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("tls", c.tls, kFieldPlain);
  v("static_headers", c.static_headers, kFieldPlain);
  v("status_to_code_transforms", c.status_to_code_transforms, kFieldPlain);
}

template <ConfigOf<ProxyGrpcConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("tls", c.tls, kFieldPlain);
  v("credentials_key", c.credentials_key, kFieldPlain);
  v("credentials_value", c.credentials_value, kFieldPlain);
  v("compression", c.compression, kFieldPlain);
}

template <ConfigOf<ProxyEndpointConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("endpoint", c.endpoint, kFieldPlain);
  v("timeout", c.timeout, kFieldPlain);
  v("http_headers", c.http_headers, kFieldPlain);
  v("grpc_metadata", c.grpc_metadata, kFieldPlain);
  v("binary_encoding", c.binary_encoding, kFieldPlain);
  v("include_connection_meta", c.include_connection_meta, kFieldPlain);
  v("http", c.http, kFieldPlain);
  v("grpc", c.grpc, kFieldPlain);
}

template <ConfigOf<ConnectProxyConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  visit_fields(as_base<ProxyEndpointConfig>(c), v);
}

template <ConfigOf<NamedProxyConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("name", c.name, kFieldPlain);
  visit_fields(as_base<ProxyEndpointConfig>(c), v);
}

}  // namespace herald
