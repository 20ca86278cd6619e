#include "store/keys.h"

#include "store/postgres/pg_repos.h"

namespace nucleus::store::postgres {
namespace {

class PostgresKeyRepo final : public KeyRepo {
 public:
  explicit PostgresKeyRepo(Conn& db) : db_(db) {}

  Status Insert(const ApiKey& key) override {
    return db_
        .Prepare(
            "INSERT INTO api_keys (id, owner, name, key_hash, key_prefix, created_at_ms, revoked) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, key.id)
        .Bind(2, key.owner)
        .Bind(3, key.name)
        .Bind(4, key.key_hash)
        .Bind(5, key.key_prefix)
        .Bind(6, key.created_at_ms)
        .BindBool(7, key.revoked)
        .Exec();
  }

  Result<std::vector<ApiKey>> List() override {
    Stmt stmt = db_.Prepare(
        "SELECT id, owner, name, key_hash, key_prefix, created_at_ms, revoked FROM api_keys "
        "ORDER BY created_at_ms, id");
    std::vector<ApiKey> keys;
    while (stmt.Step()) keys.push_back(Row(stmt));
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return keys;
  }

  Result<ApiKey> FindActiveByHash(const std::string& key_hash) override {
    Stmt stmt = db_.Prepare(
        "SELECT id, owner, name, key_hash, key_prefix, created_at_ms, revoked FROM api_keys "
        "WHERE key_hash = ? AND revoked = 0");
    stmt.Bind(1, key_hash);
    if (stmt.Step()) return Row(stmt);
    NUCLEUS_RETURN_IF_ERROR(stmt.status());
    return NotFound("unknown API key");
  }

  Status Revoke(const std::string& id_or_prefix) override {
    NUCLEUS_RETURN_IF_ERROR(
        db_.Prepare("UPDATE api_keys SET revoked = 1 WHERE id = ?1 OR key_prefix = ?1")
            .Bind(1, id_or_prefix)
            .Exec());
    if (db_.Changes() == 0) return NotFound("no API key with id or prefix " + id_or_prefix);
    return Status::Ok();
  }

 private:
  static ApiKey Row(const Stmt& stmt) {
    ApiKey key;
    key.id = stmt.Text(0);
    key.owner = stmt.Text(1);
    key.name = stmt.Text(2);
    key.key_hash = stmt.Text(3);
    key.key_prefix = stmt.Text(4);
    key.created_at_ms = stmt.Int(5);
    key.revoked = stmt.Int(6) != 0;
    return key;
  }

  Conn& db_;
};

}  // namespace

std::unique_ptr<KeyRepo> NewKeyRepo(Conn& db) { return std::make_unique<PostgresKeyRepo>(db); }

}  // namespace nucleus::store::postgres
