import { PageTitle } from '../ui';

export function MerchantDetail({ id }: { id: string }) {
  return (
    <>
      <PageTitle>MerchantDetail</PageTitle>
      <p>{id}</p>
    </>
  );
}
