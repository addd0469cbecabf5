// The JSON key table of the config tree: one visit_fields() per struct, listing each member
// with its JSON key. The loader, the env overrides, the validator's generic checks and the
// tests all walk the tree through these functions, so a key is declared in exactly one place.
//
// A visitor is called as `v(key, member, flags)`. Nested structs are visited as members
// (the visitor recurses with visit_fields); NamespaceConfig / RpcNamespaceConfig put their
// options flat next to "name", and derived structs list their base's keys inline.
#pragma once

#include "config/config.hpp"
#include "config/fields_base.hpp"
#include "config/fields_channel.hpp"
#include "config/fields_engine.hpp"
#include "config/fields_proxy.hpp"

namespace herald {

template <ConfigOf<HttpServerConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("address", c.address, kFieldPlain);
  v("port", c.port, kFieldPlain);
  v("internal_address", c.internal_address, kFieldPlain);
  v("internal_port", c.internal_port, kFieldNumericString);
  v("read_header_timeout", c.read_header_timeout, kFieldPlain);
  v("read_timeout", c.read_timeout, kFieldPlain);
  v("tls", c.tls, kFieldPlain);
  v("tls_autocert", c.tls_autocert, kFieldOtherKeysIgnored);
  v("http3", c.http3, kFieldOtherKeysIgnored);
  v("internal_tls", c.internal_tls, kFieldOtherKeysIgnored);
  v("tls_external", c.tls_external, kFieldPlain);
}

template <ConfigOf<LogConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("level", c.level, kFieldPlain);
  v("file", c.file, kFieldPlain);
}

template <ConfigOf<TokenConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("hmac_secret_key", c.hmac_secret_key, kFieldPlain);
  v("rsa_public_key", c.rsa_public_key, kFieldPlain);
  v("ecdsa_public_key", c.ecdsa_public_key, kFieldPlain);
  v("jwks_public_endpoint", c.jwks_public_endpoint, kFieldPlain);
  v("hmac_previous_secret_key", c.hmac_previous_secret_key, kFieldPlain);
  v("audience", c.audience, kFieldPlain);
  v("audience_regex", c.audience_regex, kFieldPlain);
  v("issuer", c.issuer, kFieldPlain);
  v("issuer_regex", c.issuer_regex, kFieldPlain);
  v("user_id_claim", c.user_id_claim, kFieldPlain);
}

template <ConfigOf<SubscriptionTokenConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  visit_fields(as_base<TokenConfig>(c), v);
}

template <ConfigOf<ClientProxyConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("connect", c.connect, kFieldPlain);
  v("refresh", c.refresh, kFieldPlain);
}

template <ConfigOf<PersonalChannelConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("personal_channel_namespace", c.personal_channel_namespace, kFieldPlain);
  v("single_connection", c.single_connection, kFieldPlain);
}

template <ConfigOf<ClientConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("proxy", c.proxy, kFieldPlain);
  v("allowed_origins", c.allowed_origins, kFieldPlain);
  v("token", c.token, kFieldPlain);
  v("subscription_token", c.subscription_token, kFieldPlain);
  v("allow_anonymous_connect_without_token", c.allow_anonymous_connect_without_token,
    kFieldPlain);
  v("disallow_anonymous_connection_tokens", c.disallow_anonymous_connection_tokens,
    kFieldPlain);
  v("ping_interval", c.ping_interval, kFieldNegativeOk);
  v("pong_timeout", c.pong_timeout, kFieldNegativeOk);
  v("expired_close_delay", c.expired_close_delay, kFieldPlain);
  v("expired_sub_close_delay", c.expired_sub_close_delay, kFieldPlain);
  v("stale_close_delay", c.stale_close_delay, kFieldPlain);
  v("channel_limit", c.channel_limit, kFieldPlain);
  v("queue_max_size", c.queue_max_size, kFieldPlain);
  v("presence_update_interval", c.presence_update_interval, kFieldPlain);
  v("channel_position_check_delay", c.channel_position_check_delay, kFieldPlain);
  v("channel_position_max_time_lag", c.channel_position_max_time_lag, kFieldPlain);
  v("connection_limit", c.connection_limit, kFieldPlain);
  v("user_connection_limit", c.user_connection_limit, kFieldPlain);
  v("connection_rate_limit", c.connection_rate_limit, kFieldPlain);
  v("connect_include_server_time", c.connect_include_server_time, kFieldPlain);
  v("history_max_publication_limit", c.history_max_publication_limit, kFieldPlain);
  v("recovery_max_publication_limit", c.recovery_max_publication_limit, kFieldPlain);
  v("insecure_skip_token_signature_verify", c.insecure_skip_token_signature_verify,
    kFieldPlain);
  v("insecure", c.insecure, kFieldPlain);
  v("user_id_http_header", c.user_id_http_header, kFieldPlain);
  v("subscribe_to_user_personal_channel", c.subscribe_to_user_personal_channel, kFieldPlain);
}

template <ConfigOf<HttpApiConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("disabled", c.disabled, kFieldPlain);
  v("handler_prefix", c.handler_prefix, kFieldPlain);
  v("key", c.key, kFieldPlain);
  v("error_mode", c.error_mode, kFieldPlain);
  v("external", c.external, kFieldPlain);
  v("insecure", c.insecure, kFieldPlain);
}

template <ConfigOf<GrpcApiConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("error_mode", c.error_mode, kFieldPlain);
  v("address", c.address, kFieldPlain);
  v("port", c.port, kFieldPlain);
  v("key", c.key, kFieldPlain);
  v("tls", c.tls, kFieldPlain);
  v("reflection", c.reflection, kFieldPlain);
  v("max_receive_message_size", c.max_receive_message_size, kFieldPlain);
}

template <ConfigOf<WebsocketConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("disabled", c.disabled, kFieldPlain);
  v("handler_prefix", c.handler_prefix, kFieldPlain);
  v("compression", c.compression, kFieldPlain);
  v("compression_min_size", c.compression_min_size, kFieldPlain);
  v("compression_level", c.compression_level, kFieldPlain);
  v("read_buffer_size", c.read_buffer_size, kFieldPlain);
  v("use_write_buffer_pool", c.use_write_buffer_pool, kFieldPlain);
  v("write_buffer_size", c.write_buffer_size, kFieldPlain);
  v("write_timeout", c.write_timeout, kFieldPlain);
  v("message_size_limit", c.message_size_limit, kFieldPlain);
}

template <ConfigOf<PrometheusConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("handler_prefix", c.handler_prefix, kFieldPlain);
}

template <ConfigOf<HealthConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("handler_prefix", c.handler_prefix, kFieldPlain);
}

template <ConfigOf<AdminConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("handler_prefix", c.handler_prefix, kFieldPlain);
  v("password", c.password, kFieldPlain);
  v("secret", c.secret, kFieldPlain);
  v("insecure", c.insecure, kFieldPlain);
}

template <ConfigOf<NodeConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("name", c.name, kFieldPlain);
  v("info_metrics_aggregate_interval", c.info_metrics_aggregate_interval, kFieldPlain);
}

template <ConfigOf<ShutdownConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("timeout", c.timeout, kFieldPlain);
}

template <ConfigOf<UnimplementedSectionConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
}

template <ConfigOf<ConsumerConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("name", c.name, kFieldPlain);
  visit_fields(as_base<UnimplementedSectionConfig>(c), v);
}

template <ConfigOf<Config> C, class V>
void visit_fields(C& c, V&& v) {
  v("http_server", c.http_server, kFieldPlain);
  v("log", c.log, kFieldPlain);
  v("engine", c.engine, kFieldPlain);
  v("broker", c.broker, kFieldPlain);
  v("presence_manager", c.presence_manager, kFieldPlain);
  v("client", c.client, kFieldPlain);
  v("channel", c.channel, kFieldPlain);
  v("rpc", c.rpc, kFieldPlain);
  v("proxies", c.proxies, kFieldPlain);
  v("http_api", c.http_api, kFieldPlain);
  v("grpc_api", c.grpc_api, kFieldPlain);
  v("websocket", c.websocket, kFieldPlain);
  v("prometheus", c.prometheus, kFieldPlain);
  v("health", c.health, kFieldPlain);
  v("admin", c.admin, kFieldPlain);
  v("node", c.node, kFieldPlain);
  v("shutdown", c.shutdown, kFieldPlain);
  v("pid_file", c.pid_file, kFieldPlain);
  constexpr unsigned kForeign = kFieldOtherKeysIgnored;
  v("sse", c.sse, kForeign);
  v("http_stream", c.http_stream, kForeign);
  v("uni_websocket", c.uni_websocket, kForeign);
  v("uni_sse", c.uni_sse, kForeign);
  v("uni_http_stream", c.uni_http_stream, kForeign);
  v("uni_grpc", c.uni_grpc, kForeign);
  v("webtransport", c.webtransport, kForeign);
  v("init", c.init, kForeign);
  v("swagger", c.swagger, kForeign);
  v("debug", c.debug, kForeign);
  v("opentelemetry", c.opentelemetry, kForeign);
  v("graphite", c.graphite, kForeign);
  v("controller", c.controller, kForeign);
  v("consumers", c.consumers, kForeign);
}

/// True for config structs (things visit_fields knows), false for leaf values.
template <class T>
concept ConfigStruct = requires(T& t) {
  visit_fields(t, [](auto, auto&, unsigned) {});
};

}  // namespace herald
