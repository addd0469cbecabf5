// Key table of the channel, namespace and RPC structs (see fields.hpp).
#pragma once

#include "config/config_channel.hpp"
#include "config/fields_base.hpp"

namespace herald {

template <ConfigOf<ChannelOptions> C, class V>
void visit_fields(C& c, V&& v) {
  v("presence", c.presence, kFieldPlain);
  v("join_leave", c.join_leave, kFieldPlain);
  v("force_push_join_leave", c.force_push_join_leave, kFieldPlain);
  v("history_size", c.history_size, kFieldPlain);
  v("history_ttl", c.history_ttl, kFieldPlain);
  v("history_meta_ttl", c.history_meta_ttl, kFieldPlain);
  v("force_positioning", c.force_positioning, kFieldPlain);
  v("allow_positioning", c.allow_positioning, kFieldPlain);
  v("force_recovery", c.force_recovery, kFieldPlain);
  v("allow_recovery", c.allow_recovery, kFieldPlain);
  v("force_recovery_mode", c.force_recovery_mode, kFieldPlain);
  v("allowed_delta_types", c.allowed_delta_types, kFieldPlain);
  v("delta_publish", c.delta_publish, kFieldPlain);
  v("allow_subscribe_for_client", c.allow_subscribe_for_client, kFieldPlain);
  v("allow_subscribe_for_anonymous", c.allow_subscribe_for_anonymous, kFieldPlain);
  v("allow_publish_for_client", c.allow_publish_for_client, kFieldPlain);
  v("allow_publish_for_subscriber", c.allow_publish_for_subscriber, kFieldPlain);
  v("allow_publish_for_anonymous", c.allow_publish_for_anonymous, kFieldPlain);
  v("allow_presence_for_client", c.allow_presence_for_client, kFieldPlain);
  v("allow_presence_for_subscriber", c.allow_presence_for_subscriber, kFieldPlain);
  v("allow_presence_for_anonymous", c.allow_presence_for_anonymous, kFieldPlain);
  v("allow_history_for_client", c.allow_history_for_client, kFieldPlain);
  v("allow_history_for_subscriber", c.allow_history_for_subscriber, kFieldPlain);
  v("allow_history_for_anonymous", c.allow_history_for_anonymous, kFieldPlain);
  v("allow_user_limited_channels", c.allow_user_limited_channels, kFieldPlain);
  v("channel_regex", c.channel_regex, kFieldPlain);
  v("subscribe_proxy_enabled", c.subscribe_proxy_enabled, kFieldPlain);
  v("subscribe_proxy_name", c.subscribe_proxy_name, kFieldPlain);
  v("publish_proxy_enabled", c.publish_proxy_enabled, kFieldPlain);
  v("publish_proxy_name", c.publish_proxy_name, kFieldPlain);
  v("sub_refresh_proxy_enabled", c.sub_refresh_proxy_enabled, kFieldPlain);
  v("sub_refresh_proxy_name", c.sub_refresh_proxy_name, kFieldPlain);
  v("subscribe_stream_proxy_enabled", c.subscribe_stream_proxy_enabled, kFieldPlain);
  v("subscribe_stream_proxy_name", c.subscribe_stream_proxy_name, kFieldPlain);
  v("subscribe_stream_proxy_bidirectional", c.subscribe_stream_proxy_bidirectional,
    kFieldPlain);
  v("state_proxy_enabled", c.state_proxy_enabled, kFieldPlain);
  v("state_events", c.state_events, kFieldPlain);
  v("allow_tags_filter", c.allow_tags_filter, kFieldPlain);
  v("subscription_type", c.subscription_type, kFieldPlain);
  v("publication_data_format", c.publication_data_format, kFieldPlain);
}

template <ConfigOf<NamespaceConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("name", c.name, kFieldPlain);
  visit_fields(c.options, v);
}

template <ConfigOf<ChannelProxyConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("subscribe", c.subscribe, kFieldPlain);
  v("publish", c.publish, kFieldPlain);
  v("sub_refresh", c.sub_refresh, kFieldPlain);
  v("subscribe_stream", c.subscribe_stream, kFieldPlain);
  v("state", c.state, kFieldPlain);
}

template <ConfigOf<ChannelConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("proxy", c.proxy, kFieldPlain);
  v("without_namespace", c.without_namespace, kFieldPlain);
  v("namespaces", c.namespaces, kFieldPlain);
  v("history_meta_ttl", c.history_meta_ttl, kFieldPlain);
  v("max_length", c.max_length, kFieldPlain);
  v("private_prefix", c.private_prefix, kFieldPlain);
  v("namespace_boundary", c.namespace_boundary, kFieldPlain);
  v("user_boundary", c.user_boundary, kFieldPlain);
  v("user_separator", c.user_separator, kFieldPlain);
}

template <ConfigOf<RpcOptions> C, class V>
void visit_fields(C& c, V&& v) {
  v("proxy_enabled", c.proxy_enabled, kFieldPlain);
  v("proxy_name", c.proxy_name, kFieldPlain);
}

template <ConfigOf<RpcNamespaceConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("name", c.name, kFieldPlain);
  visit_fields(c.options, v);
}

template <ConfigOf<RpcPingConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("enabled", c.enabled, kFieldPlain);
  v("method", c.method, kFieldPlain);
}

template <ConfigOf<RpcConfig> C, class V>
void visit_fields(C& c, V&& v) {
  v("proxy", c.proxy, kFieldPlain);
  v("without_namespace", c.without_namespace, kFieldPlain);
  v("namespaces", c.namespaces, kFieldPlain);
  v("ping", c.ping, kFieldPlain);
  v("namespace_boundary", c.namespace_boundary, kFieldPlain);
}

}  // namespace herald
