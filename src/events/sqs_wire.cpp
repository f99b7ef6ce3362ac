#include "events/sqs_wire.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/json/parse.hpp>
#include <set>

#include "core/crypto.hpp"
#include "core/throw.hpp"
#include "wire/json_reader.hpp"
#include "wire/json_writer.hpp"

namespace awsmp::detail {

namespace json = boost::json;

namespace {

void check_queue_url(std::string_view url) {
  if (url.empty() || url.size() > 2048) throw_invalid_argument("queue_url", "must be 1..2048 characters");
}

void check_handle(std::string_view handle) {
  if (handle.empty() || handle.size() > 8192)
    throw_invalid_argument("receipt_handle", "must be 1..8192 characters");
}

void check_visibility(int seconds) {
  if (seconds < 0 || seconds > 43200)
    throw_invalid_argument("visibility_timeout", "must be 0..43200 seconds (12 hours)");
}

json::value parse_answer(std::string_view answer) {
  boost::system::error_code ec;
  json::value v = json::parse(answer, ec);
  if (ec || !v.is_object())
    throw_error(errc::malformed_message, "(root): the SQS answer is not a JSON object");
  return v;
}

}  // namespace

void validate(const sqs_receive_options& o) {
  if (o.max_messages < 1 || o.max_messages > 10) throw_invalid_argument("max_messages", "must be 1..10");
  if (o.wait_time_seconds < 0 || o.wait_time_seconds > 20)
    throw_invalid_argument("wait_time_seconds", "must be 0..20");
  if (o.visibility_timeout) check_visibility(*o.visibility_timeout);
}

std::string encode_receive_message(std::string_view queue_url, const sqs_receive_options& options) {
  check_queue_url(queue_url);
  validate(options);
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueUrl"), queue_url);
  // AttributeNames is deprecated in favour of MessageSystemAttributeNames; both are sent so
  // that older SQS-compatible servers still return the receive count.
  w.key("AttributeNames") += "[\"ApproximateReceiveCount\"]";
  w.key("MessageSystemAttributeNames") += "[\"ApproximateReceiveCount\"]";
  append_json_int(w.key("MaxNumberOfMessages"), options.max_messages);
  if (options.visibility_timeout) append_json_int(w.key("VisibilityTimeout"), *options.visibility_timeout);
  append_json_int(w.key("WaitTimeSeconds"), options.wait_time_seconds);
  w.close();
  return out;
}

std::string encode_delete_message(std::string_view queue_url, std::string_view receipt_handle) {
  check_queue_url(queue_url);
  check_handle(receipt_handle);
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueUrl"), queue_url);
  append_json_string(w.key("ReceiptHandle"), receipt_handle);
  w.close();
  return out;
}

std::string encode_delete_message_batch(std::string_view queue_url,
                                        const std::vector<sqs_delete_entry>& entries) {
  check_queue_url(queue_url);
  if (entries.empty() || entries.size() > 10) throw_invalid_argument("entries", "must hold 1..10 entries");
  std::set<std::string_view> ids;
  for (const auto& e : entries) {
    const bool id_ok =
        !e.id.empty() && e.id.size() <= 80 && std::all_of(e.id.begin(), e.id.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '_';
        });
    if (!id_ok) throw_invalid_argument("entries.id", "must be 1..80 characters of A-Z a-z 0-9 - _");
    if (!ids.insert(e.id).second) throw_invalid_argument("entries.id", "must be unique within the batch");
    check_handle(e.receipt_handle);
  }
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueUrl"), queue_url);
  std::string& list = w.key("Entries");
  list += '[';
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) list += ", ";
    json_object_writer entry(list);
    append_json_string(entry.key("Id"), entries[i].id);
    append_json_string(entry.key("ReceiptHandle"), entries[i].receipt_handle);
    entry.close();
  }
  list += ']';
  w.close();
  return out;
}

std::string encode_change_message_visibility(std::string_view queue_url, std::string_view receipt_handle,
                                             int seconds) {
  check_queue_url(queue_url);
  check_handle(receipt_handle);
  check_visibility(seconds);
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueUrl"), queue_url);
  append_json_string(w.key("ReceiptHandle"), receipt_handle);
  append_json_int(w.key("VisibilityTimeout"), seconds);
  w.close();
  return out;
}

std::string encode_get_queue_url(std::string_view queue_name, std::string_view owner_account_id) {
  if (queue_name.empty() || queue_name.size() > 80)
    throw_invalid_argument("queue_name", "must be 1..80 characters");
  if (!owner_account_id.empty() &&
      (owner_account_id.size() != 12 || !std::all_of(owner_account_id.begin(), owner_account_id.end(),
                                                     [](char c) { return c >= '0' && c <= '9'; })))
    throw_invalid_argument("owner_account_id", "must be a 12-digit AWS account id");
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueName"), queue_name);
  if (!owner_account_id.empty()) append_json_string(w.key("QueueOwnerAWSAccountId"), owner_account_id);
  w.close();
  return out;
}

std::string encode_send_message(std::string_view queue_url, std::string_view body,
                                std::optional<int> delay_seconds) {
  check_queue_url(queue_url);
  if (body.empty() || body.size() > sqs_max_send_bytes)
    throw_invalid_argument("message_body", "must be 1..1048576 bytes");
  if (delay_seconds && (*delay_seconds < 0 || *delay_seconds > 900))
    throw_invalid_argument("delay_seconds", "must be 0..900");
  std::string out;
  json_object_writer w(out);
  append_json_string(w.key("QueueUrl"), queue_url);
  append_json_string(w.key("MessageBody"), body);
  if (delay_seconds) append_json_int(w.key("DelaySeconds"), *delay_seconds);
  w.close();
  return out;
}

sqs_send_result decode_send_message(std::string_view answer, std::string_view body) {
  const json::value doc = parse_answer(answer);
  const json_path root;
  sqs_send_result out;
  read_required(doc.as_object(), "MessageId", root, out.message_id, read_string);
  std::string md5;
  read_optional(doc.as_object(), "MD5OfMessageBody", root, md5, read_string);
  // The digest proves the queue stored the bytes that were sent.
  if (!md5.empty() && md5 != md5_hex(body))
    throw_malformed(root.member("MD5OfMessageBody"), "does not match the body sent");
  read_optional(doc.as_object(), "SequenceNumber", root, out.sequence_number, read_string);
  return out;
}

std::vector<sqs_message> decode_receive_message(std::string_view answer, std::size_t max_body_bytes) {
  const json::value doc = parse_answer(answer);
  const json_path root;
  std::vector<sqs_message> out;
  const auto* messages = find_member(doc.as_object(), "Messages");
  if (!messages) return out;  // an empty long poll answers {}
  // Paths point at their parents: each level is a named local that outlives its children.
  const json_path messages_path = root.member("Messages");
  const auto& list = read_array(*messages, messages_path);
  if (list.size() > 10) throw_malformed(messages_path, "more than 10 messages");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json_path at = messages_path.element(i);
    const auto& m = read_object(list[i], at);
    sqs_message msg;
    read_required(m, "MessageId", at, msg.message_id, read_string);
    read_required(m, "ReceiptHandle", at, msg.receipt_handle, read_string);
    std::string body;
    read_required(m, "Body", at, body, read_string);
    std::string md5;
    read_optional(m, "MD5OfBody", at, md5, read_string);
    if (const auto* attrs = find_member(m, "Attributes")) {
      const json_path ap = at.member("Attributes");
      const auto& a = read_object(*attrs, ap);
      std::string count;
      read_optional(a, "ApproximateReceiveCount", ap, count, read_string);
      if (!count.empty()) {
        if (count.size() > 9 ||
            !std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; }))
          throw_malformed(ap.member("ApproximateReceiveCount"), "must be a decimal count");
        msg.receive_count = std::stoi(count);
      }
    }
    if (body.size() > max_body_bytes) {
      msg.defect = "larger than " + std::to_string(max_body_bytes) + " bytes";
    } else if (!md5.empty() && md5 != md5_hex(body)) {
      msg.defect = "MD5OfBody does not match the body";
    } else {
      msg.body = std::move(body);
    }
    out.push_back(std::move(msg));
  }
  return out;
}

sqs_delete_batch_result decode_delete_message_batch(std::string_view answer) {
  const json::value doc = parse_answer(answer);
  const json_path root;
  sqs_delete_batch_result out;
  const auto& obj = doc.as_object();
  if (const auto* ok = find_member(obj, "Successful")) {
    const json_path list_path = root.member("Successful");
    const auto& list = read_array(*ok, list_path);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json_path at = list_path.element(i);
      std::string id;
      read_required(read_object(list[i], at), "Id", at, id, read_string);
      out.successful.push_back(std::move(id));
    }
  }
  if (const auto* failed = find_member(obj, "Failed")) {
    const json_path list_path = root.member("Failed");
    const auto& list = read_array(*failed, list_path);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json_path at = list_path.element(i);
      const auto& f = read_object(list[i], at);
      sqs_batch_failure e;
      read_required(f, "Id", at, e.id, read_string);
      read_optional(f, "Code", at, e.code, read_string);
      read_optional(f, "Message", at, e.message, read_string);
      read_optional(f, "SenderFault", at, e.sender_fault, read_bool);
      out.failed.push_back(std::move(e));
    }
  }
  return out;
}

std::string decode_get_queue_url(std::string_view answer) {
  const json::value doc = parse_answer(answer);
  std::string url;
  read_required(doc.as_object(), "QueueUrl", json_path{}, url, read_string);
  return url;
}

std::string md5_hex(std::string_view data) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> digest{};
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &n, EVP_md5(), nullptr);
  return to_hex(std::span<const std::uint8_t>(digest.data(), n));
}

}  // namespace awsmp::detail
