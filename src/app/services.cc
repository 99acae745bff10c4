#include "app/services.h"

#include "app/data_dir.h"
#include "crypto/aead.h"

namespace shinrai::app {

ServicesDeps DepsFor(const OpenedData& data, const schema::Config& config, audit::AuditLog& audit,
                     const service::Access& access, Env* env, std::string model_dir) {
  return {&config,         data.store,  data.vault.get(),  data.suppression.get(), &audit, &access, env,
          std::move(model_dir), RecommendationTokenKey(data), data.cluster.get()};
}

Services::Services(const ServicesDeps& d)
    // Several nodes: no cache of records, since another node may change any
    // of them between two reads here (reads outside the write lease too).
    : writer(d.store, d.cluster ? 0 : 100'000),
      base{*d.config, *d.store, writer, serializer, *d.env, *d.audit, d.cluster},
      collect(base, *d.access, *d.suppression),
      profiles(base),
      consent(base),
      recs(base, d.model_dir, d.token_key),
      cluster_link(d.cluster, &recs, d.vault),
      rights({base, *d.suppression, d.vault, Derived()}),
      // Links sealed with a key of their own, derived from the one that seals
      // recommendation ids (so that they outlive a restart when it does).
      privacy_center(base, consent, rights, recs,
                     crypto::DeriveKey(d.token_key.value_or(crypto::SecretKey::Random()), "shinrai privacy center links v1")),
      retention(base, Derived()),
      report{d.config, d.store, &retention, d.audit, d.env},
      vault_(d.vault),
      suppression_(d.suppression) {}

std::vector<service::DerivedData*> Services::Derived() {
  std::vector<service::DerivedData*> derived = {&recs};
  if (base.cluster) derived.push_back(&cluster_link);
  return derived;
}

Services::~Services() {
  if (base.cluster) base.cluster->StopListening();  // no notice reaches services on their way out
  recs.StopSchedule();
  retention.StopSchedule();
  serializer.StopSharing();  // commits, then hands the write lease back
  (void)writer.Flush();
}

Status Services::ReloadAfterHandover() {
  RETURN_IF_ERROR(collect.Reload());
  RETURN_IF_ERROR(suppression_->Load(base.store));
  if (vault_) vault_->DropCached();
  return recs.ReloadShared();
}

Result<int> Services::Load() {
  if (base.cluster) {
    serializer.Share(base.cluster, [this] { return writer.Flush(); }, [this] { return ReloadAfterHandover(); });
    cluster_link.Listen();
  }
  RETURN_IF_ERROR(collect.Load());
  writer.AddRecoveryHook([this] { return collect.Load(); });
  RETURN_IF_ERROR(recs.Load());
  return rights.ResumeErasures();
}

}  // namespace shinrai::app
