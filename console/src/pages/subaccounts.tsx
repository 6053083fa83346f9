import { PageTitle } from '../ui';

export function Subaccounts() {
  return (
    <>
      <PageTitle>Subaccounts</PageTitle>
      
    </>
  );
}
